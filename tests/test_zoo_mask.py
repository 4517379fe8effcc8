"""RL Zoo integration of MaskableREINFORCE: --algo reinforce_mask, its shipped config, masked evaluation (training, tuning)."""

import argparse
from pathlib import Path

import numpy as np
import pytest
import yaml

rl_zoo3 = pytest.importorskip("rl_zoo3")

import pandas as pd  # noqa: E402
from rl_zoo3 import ALGOS, exp_manager  # noqa: E402
from rl_zoo3.callbacks import TrialEvalCallback  # noqa: E402
from rl_zoo3.exp_manager import ExperimentManager  # noqa: E402
from rl_zoo3.hyperparams_opt import HYPERPARAMS_CONVERTER, HYPERPARAMS_SAMPLER  # noqa: E402
from stable_baselines3.common.callbacks import EvalCallback  # noqa: E402

from sb3_reinforce import MaskableREINFORCE  # noqa: E402
from sb3_reinforce.zoo import default_config_path, register  # noqa: E402
from sb3_reinforce.zoo.callbacks import ZooEvalCallback, ZooTrialEvalCallback  # noqa: E402
from sb3_reinforce.zoo.cli import main, prepare_train_args  # noqa: E402
from sb3_reinforce.zoo.envs import MASKED_ENV_ID  # noqa: E402
from sb3_reinforce.zoo.hyperparams_opt import convert_reinforce_params, sample_reinforce_params  # noqa: E402
from tests.zoo_envs import RAISING_MASKED_ENV_ID  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
QUIET = ["--verbose", "0", "--num-threads", "1", "--seed", "0"]
# The env raises on an invalid action: a run that ends took none, in training and in the evaluations
RAISING = ["--env", RAISING_MASKED_ENV_ID, "--gym-packages", "tests.zoo_envs"]


def write_config(path: Path, entries: dict) -> str:
    path.write_text(yaml.safe_dump(entries))
    return str(path)


def raising_config(tmp_path: Path, **entry) -> str:
    return write_config(
        tmp_path / "c.yml",
        {RAISING_MASKED_ENV_ID: {"n_envs": 2, "n_timesteps": 400, "policy": "MlpPolicy", "n_steps": 8, **entry}},
    )


def test_register_adds_reinforce_mask_and_masked_evaluation():
    register()
    register()
    assert ALGOS["reinforce_mask"] is MaskableREINFORCE
    assert HYPERPARAMS_SAMPLER["reinforce_mask"] is sample_reinforce_params
    assert HYPERPARAMS_CONVERTER["reinforce_mask"] is convert_reinforce_params
    assert exp_manager.EvalCallback is ZooEvalCallback and issubclass(ZooEvalCallback, EvalCallback)
    assert exp_manager.TrialEvalCallback is ZooTrialEvalCallback and issubclass(ZooTrialEvalCallback, TrialEvalCallback)


def test_register_refuses_to_replace_a_foreign_eval_callback(monkeypatch):
    class OtherEvalCallback(EvalCallback):
        pass

    monkeypatch.setattr(exp_manager, "EvalCallback", OtherEvalCallback)
    with pytest.raises(RuntimeError, match=r"rl_zoo3.exp_manager.EvalCallback is .*OtherEvalCallback"):
        register()


def test_shipped_config_is_injected():
    shipped = str(default_config_path("reinforce_mask"))
    assert shipped.endswith("reinforce_mask.yml")
    args = ["--algo", "reinforce_mask", "--conf-file", shipped, "--num-threads", "1"]
    assert prepare_train_args(["--algo", "reinforce_mask"]) == args


def test_train_with_masked_evaluation(tmp_path):
    """Training and the zoo's periodic evaluation on an env that raises on invalid actions."""
    logs = tmp_path / "logs"
    conf = raising_config(tmp_path)
    main(["train", "--algo", "reinforce_mask", *RAISING, "-f", str(logs), "-conf", conf, "--eval-freq", "100",
          "--eval-episodes", "2", *QUIET])  # fmt: skip
    saved = logs / "reinforce_mask" / f"{RAISING_MASKED_ENV_ID}_1"
    evaluations = np.load(saved / "evaluations.npz")
    assert len(evaluations["timesteps"]) >= 2
    assert isinstance(MaskableREINFORCE.load(saved / "best_model.zip"), MaskableREINFORCE)


def test_zoo_eval_callback_without_masks_takes_invalid_actions(tmp_path, monkeypatch):
    """The check above has teeth: with SB3's EvalCallback, the evaluation takes an invalid action."""
    from tests.envs import InvalidActionError

    register()
    monkeypatch.setattr(ZooEvalCallback, "_on_step", EvalCallback._on_step)
    conf = raising_config(tmp_path)
    with pytest.raises(InvalidActionError):
        main(["train", "--algo", "reinforce_mask", *RAISING, "-f", str(tmp_path / "logs"), "-conf", conf,
              "--eval-freq", "100", "--eval-episodes", "2", *QUIET])  # fmt: skip


def test_other_algorithms_evaluate_as_before(tmp_path, capsys):
    main(["train", "--algo", "a2c", "--env", "CartPole-v1", "-n", "300", "-f", str(tmp_path), "--eval-freq", "100",
          "--eval-episodes", "2", "--verbose", "1", "--num-threads", "1", "--seed", "0"])  # fmt: skip
    assert "Eval num_timesteps=" in capsys.readouterr().out
    assert len(np.load(tmp_path / "a2c" / "CartPole-v1_1" / "evaluations.npz")["timesteps"]) >= 1


def test_optimize_evaluates_trials_with_masks(tmp_path):
    logs = tmp_path / "logs"
    conf = raising_config(tmp_path, n_timesteps=200)
    main(["train", "--algo", "reinforce_mask", *RAISING, "-f", str(logs), "-conf", conf, "-optimize", "--n-trials", "2",
          "--n-evaluations", "2", "--eval-episodes", "2", "--sampler", "random", "--pruner", "none", "--no-optim-plots",
          "--eval-freq", "-1", *QUIET])  # fmt: skip
    (report,) = (logs / "reinforce_mask").glob(f"report_{RAISING_MASKED_ENV_ID}_2-trials-*.csv")
    trials = pd.read_csv(report)
    assert len(trials) == 2 and set(trials["state"]) == {"COMPLETE"}


def test_shipped_entry_trains_and_enjoy_runs(tmp_path, capsys):
    """The shipped entry for the registered masked env; the zoo's enjoy runs (its predict passes no masks)."""
    main(["train", "--algo", "reinforce_mask", "--env", MASKED_ENV_ID, "-n", "200", "-f", str(tmp_path),
          "--eval-freq", "-1", *QUIET])  # fmt: skip
    saved = tmp_path / "reinforce_mask" / f"{MASKED_ENV_ID}_1"
    config = yaml.load((saved / MASKED_ENV_ID / "config.yml").read_text(), Loader=yaml.UnsafeLoader)
    shipped = yaml.safe_load(default_config_path("reinforce_mask").read_text())
    assert dict(config) == shipped[MASKED_ENV_ID]
    model = MaskableREINFORCE.load(saved / f"{MASKED_ENV_ID}.zip")
    assert model.gamma == shipped[MASKED_ENV_ID]["gamma"] and model.n_envs == shipped[MASKED_ENV_ID]["n_envs"]
    capsys.readouterr()
    main(["enjoy", "--algo", "reinforce_mask", "--env", MASKED_ENV_ID, "-f", str(tmp_path), "--no-render", "-n", "50"])
    assert "Episode Reward" in capsys.readouterr().out


def test_bad_config_key_names_maskable_reinforce(tmp_path, capsys):
    conf = raising_config(tmp_path, use_sde=True)
    with pytest.raises(SystemExit) as excinfo:
        main(["train", "--algo", "reinforce_mask", *RAISING, "-f", str(tmp_path / "logs"), "-conf", conf, *QUIET])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert "Invalid MaskableREINFORCE hyperparameters" in err and "unknown hyperparameter 'use_sde'" in err


@pytest.mark.parametrize("entry, env_id", [("default", MASKED_ENV_ID), (MASKED_ENV_ID, MASKED_ENV_ID)])
def test_every_shipped_entry_builds_a_model(entry, env_id, tmp_path, monkeypatch):
    register()
    monkeypatch.chdir(tmp_path)
    shipped = yaml.safe_load(default_config_path("reinforce_mask").read_text())
    config = write_config(tmp_path / "entry.yml", {env_id: shipped[entry]})
    manager = ExperimentManager(
        args=argparse.Namespace(),
        algo="reinforce_mask",
        env_id=env_id,
        log_folder=str(tmp_path / "logs"),
        eval_freq=-1,
        config=config,
        verbose=0,
        device="cpu",
    )
    model, saved_hyperparams = manager.setup_experiment()
    assert dict(saved_hyperparams) == shipped[entry]
    assert isinstance(model, MaskableREINFORCE) and model.n_envs == shipped[entry].get("n_envs", 1)
    model.env.close()


def test_shipped_config_parses():
    entries = yaml.safe_load(default_config_path("reinforce_mask").read_text())
    assert set(entries) == {"default", MASKED_ENV_ID}
    assert entries == yaml.safe_load((REPO / "zoo_configs" / "reinforce_mask.yml").read_text())
