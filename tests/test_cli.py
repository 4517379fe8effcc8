"""python -m sb3_reinforce: trains, saves and prints the evaluation; rejects bad arguments."""

import re
import sys

import pytest
import torch as th

from sb3_reinforce import REINFORCE
from sb3_reinforce.__main__ import main, make_env
from sb3_reinforce.utils import CNN_THREADS
from tests.pages import DOCS, example


def threads_said(count: int) -> str:
    """How the command says its thread count: 1 thread, 2 threads."""
    return f"{count} torch thread" + ("" if count == 1 else "s")


def test_cli_trains_saves_and_evaluates(tmp_path, capsys):
    path = tmp_path / "agent.zip"
    main(["--timesteps", "500", "--n-envs", "2", "--eval-episodes", "2", "--save", str(path)])
    out = capsys.readouterr().out
    assert "Evaluation on CartPole-v1 (2 deterministic episodes): mean return" in out
    assert REINFORCE.load(path).num_timesteps >= 500


def test_cli_help_is_plain_words(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["--help"])
    assert excinfo.value.code == 0
    out = capsys.readouterr().out
    assert "`" not in out and "--threads" in out


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


def test_cli_says_its_thread_count_and_why_it_trains_past_timesteps(capsys):
    """One torch thread by default (the fast count for an MLP, benchmarks/bench_threads.py); the overshoot of learn()
    is explained where the first command prints its progress."""
    main(["--timesteps", "500", "--n-envs", "2", "--eval-episodes", "1"])
    out = capsys.readouterr().out
    assert "Training REINFORCE (MlpPolicy) on 2 CartPole-v1 envs for 500 steps, 1 torch thread\n" in out
    assert th.get_num_threads() == 1
    trained = int(re.search(r"Trained ([\d,]+) env steps", out).group(1).replace(",", ""))
    assert trained > 500
    assert f"({trained - 500:,} past --timesteps: the last rollout runs every episode that joined it to its end" in out


@pytest.mark.parametrize("threads", [0, 2])
def test_cli_threads_flag(threads, capsys):
    before = th.get_num_threads()
    main(["--timesteps", "64", "--n-envs", "1", "--eval-episodes", "1", "--threads", str(threads)])
    expected = before if threads == 0 else threads  # 0: torch's own default, left as it is
    assert th.get_num_threads() == expected
    assert f", {threads_said(expected)}\n" in capsys.readouterr().out


def test_cli_trains_an_atari_game_with_the_ale(capsys):
    """ALE ids work: ale-py registers them, and the game gets SB3's Atari wrappers, 4 stacked frames and CnnPolicy.
    Breakout: a life loss ends a training episode, so a rollout is short."""
    main(["--env", "ALE/Breakout-v5", "--timesteps", "32", "--n-envs", "1", "--eval-episodes", "1"])
    out = capsys.readouterr().out
    assert f"Training REINFORCE (CnnPolicy) on 1 ALE/Breakout-v5 envs for 32 steps, {threads_said(CNN_THREADS)}\n" in out
    assert "Evaluation on ALE/Breakout-v5 (1 deterministic episodes): mean return" in out
    env = make_env("ALE/Breakout-v5", n_envs=1, seed=0, atari=True)
    assert env.observation_space.shape == (84, 84, 4)


def test_cli_names_the_atari_extra_without_the_ale(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ale_py", None)  # import ale_py raises ImportError
    with pytest.raises(SystemExit) as excinfo:
        main(["--env", "ALE/Pong-v5"])
    assert excinfo.value.code == 2
    assert capsys.readouterr().err == (
        "python -m sb3_reinforce: error: --env ALE/Pong-v5: ALE/Pong-v5 is an Atari game, which needs the ALE: "
        'pip install -e ".[atari]" from the clone\'s root\n'
    )


def test_speed_page_thread_example_sets_one_thread():
    """The speed page's advice to library users, run: torch then trains on one thread."""
    threads = th.get_num_threads()
    try:
        th.set_num_threads(max(2, threads))
        exec(compile(example(DOCS / "guide" / "speed_memory.md", "threads"), "speed_memory.md", "exec"), {})
        assert th.get_num_threads() == 1
    finally:
        th.set_num_threads(threads)
