"""python -m sb3_reinforce: trains, saves and prints the evaluation; rejects bad arguments."""

import pytest

from sb3_reinforce import REINFORCE
from sb3_reinforce.__main__ import main


def test_cli_trains_saves_and_evaluates(tmp_path, capsys):
    path = tmp_path / "agent.zip"
    main(["--timesteps", "500", "--n-envs", "2", "--eval-episodes", "2", "--save", str(path)])
    out = capsys.readouterr().out
    assert "Evaluation on CartPole-v1 (2 deterministic episodes): mean return" in out
    assert REINFORCE.load(path).num_timesteps >= 500


@pytest.mark.parametrize("argv", [["--n-envs", "0"], ["--timesteps", "-5"]])
def test_cli_rejects_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    assert "must be >= 1" in capsys.readouterr().err


def test_cli_unknown_env_id_is_one_line_with_gymnasiums_suggestion(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["--env", "CartPol-v1"])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert (
        err
        == "python -m sb3_reinforce: error: --env CartPol-v1: Environment `CartPol` doesn't exist. Did you mean: `CartPole`?\n"
    )
