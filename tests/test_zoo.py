"""RL Zoo integration: registration, our CLI's train/enjoy round trips, -optimize, config checks, the shipped config."""

import argparse
import os
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch as th
import yaml

rl_zoo3 = pytest.importorskip("rl_zoo3")

import optuna  # noqa: E402
import pandas as pd  # noqa: E402
from rl_zoo3 import ALGOS  # noqa: E402
from rl_zoo3.exp_manager import ExperimentManager  # noqa: E402
from rl_zoo3.hyperparams_opt import HYPERPARAMS_CONVERTER, HYPERPARAMS_SAMPLER  # noqa: E402
from stable_baselines3.common.env_util import make_vec_env  # noqa: E402
from stable_baselines3.common.vec_env import VecNormalize  # noqa: E402

from sb3_reinforce import REINFORCE, MaskableREINFORCE, RecurrentREINFORCE  # noqa: E402
from sb3_reinforce.reinforce import DIRECTION_UNBIASED, NORMALIZE_ADVANTAGE  # noqa: E402
from sb3_reinforce.utils import CNN_THREADS  # noqa: E402
from sb3_reinforce.zoo import default_config_path, register  # noqa: E402
from sb3_reinforce.zoo.cli import ZooEnvError, check_env_id, main, prepare_train_args  # noqa: E402
from sb3_reinforce.zoo.config import check_values, parse_params  # noqa: E402
from sb3_reinforce.zoo.hyperparams_opt import (  # noqa: E402
    convert_reinforce_params,
    params_held_fixed,
    sample_reinforce_lstm_params,
    sample_reinforce_params,
)
from sb3_reinforce.zoo.storage import POSTGRES_INSTALL  # noqa: E402
from tests.pages import DOCS, example, pages  # noqa: E402
from tests.zoo_envs import MULTI_OBS_ENV_ID  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHIPPED_ENTRIES = {
    "default",
    "atari",
    "CartPole-v1",
    "Acrobot-v1",
    "LunarLander-v3",
    "Pendulum-v1",
    "MountainCarContinuous-v0",
    "InvertedPendulum-v5",
    "HalfCheetah-v5",
    "Hopper-v5",
    "Walker2d-v5",
    "Swimmer-v5",
    "InvertedDoublePendulum-v5",
}
# Common flags: quiet, single-threaded, no periodic evaluation
FAST = ["--verbose", "0", "--num-threads", "1", "--eval-freq", "-1", "--seed", "0"]


def write_config(path: Path, entries: dict) -> str:
    path.write_text(yaml.safe_dump(entries))
    return str(path)


def run_dir(log_folder: Path, algo: str, env_id: str) -> Path:
    return log_folder / algo / f"{env_id}_1"


def test_import_does_not_need_the_zoo():
    code = "import sys, sb3_reinforce; assert 'rl_zoo3' not in sys.modules; assert 'sb3_reinforce.zoo' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_register_is_idempotent_and_keeps_the_zoo_algorithms():
    ours = ("reinforce", "reinforce_mask", "reinforce_lstm")
    others = {name: cls for name, cls in ALGOS.items() if name not in ours}
    register()
    register()
    assert ALGOS["reinforce"] is REINFORCE
    assert HYPERPARAMS_SAMPLER["reinforce"] is sample_reinforce_params
    assert HYPERPARAMS_CONVERTER["reinforce"] is convert_reinforce_params
    assert {name: cls for name, cls in ALGOS.items() if name not in ours} == others
    assert ALGOS["a2c"].__name__ == "A2C" and ALGOS["ppo"].__name__ == "PPO"


def test_register_refuses_to_overwrite(monkeypatch):
    monkeypatch.setitem(ALGOS, "reinforce", ALGOS["a2c"])
    with pytest.raises(RuntimeError, match="already maps 'reinforce'"):
        register()


ONE_THREAD = ["--num-threads", "1"]


def test_default_config_is_injected_only_for_reinforce(tmp_path):
    shipped = str(default_config_path())
    assert prepare_train_args(["--algo", "reinforce"]) == ["--algo", "reinforce", "--conf-file", shipped, *ONE_THREAD]
    assert prepare_train_args(["--algo=reinforce", "--env", "Acrobot-v1"])[-4:] == ["--conf-file", shipped, *ONE_THREAD]
    conf = write_config(tmp_path / "c.yml", {"CartPole-v1": {"n_timesteps": 10, "policy": "MlpPolicy"}})
    for flag in ("--conf-file", "-conf"):
        assert prepare_train_args(["--algo", "reinforce", flag, conf]) == ["--algo", "reinforce", flag, conf, *ONE_THREAD]
    for args in (["--algo", "a2c"], ["--algo", "ppo", "--env", "Pendulum-v1"], []):
        assert prepare_train_args(args) == [*args, *ONE_THREAD]


@pytest.mark.parametrize("algo", ["reinforce", "ppo"])
def test_train_picks_the_policys_thread_count(algo, tmp_path):
    """Without --num-threads, train runs on the count that is fast for the entry's policy (the zoo's default, -1, is
    torch's one thread per core, which slows a small MLP down on a busy machine); a count the user gives is kept."""
    assert prepare_train_args(["--algo", algo, "--env", "CartPole-v1"])[-2:] == ONE_THREAD
    assert prepare_train_args(["--algo", algo, "--env", "ALE/Breakout-v5"])[-2:] == ["--num-threads", str(CNN_THREADS)]
    for given in (["--num-threads", "3"], ["--num-threads=3"]):
        prepared = prepare_train_args(["--algo", algo, *given])
        assert prepared[2 : 2 + len(given)] == given
        assert sum(arg.startswith("--num-threads") for arg in prepared) == 1
    conf = write_config(tmp_path / "c.yml", {"CartPole-v1": {"n_timesteps": 10, "policy": "CnnPolicy"}})
    assert prepare_train_args(["--algo", algo, "--conf-file", conf])[-2:] == ["--num-threads", str(CNN_THREADS)]


def test_train_enjoy_round_trip_with_shipped_config(tmp_path, capsys):
    main(["train", "--algo", "reinforce", "--env", "CartPole-v1", "-n", "256", "-f", str(tmp_path), *FAST])
    saved = run_dir(tmp_path, "reinforce", "CartPole-v1")
    assert (saved / "CartPole-v1.zip").is_file()
    args = yaml.load((saved / "CartPole-v1" / "args.yml").read_text(), Loader=yaml.UnsafeLoader)
    assert args["conf_file"] == str(default_config_path())
    config = yaml.load((saved / "CartPole-v1" / "config.yml").read_text(), Loader=yaml.UnsafeLoader)
    shipped = yaml.safe_load(default_config_path().read_text())["CartPole-v1"]
    assert dict(config) == shipped

    model = REINFORCE.load(saved / "CartPole-v1.zip")
    assert model.n_steps == shipped["n_steps"] and model.n_envs == shipped["n_envs"]
    capsys.readouterr()

    main(["enjoy", "--algo", "reinforce", "--env", "CartPole-v1", "-f", str(tmp_path), "--no-render", "-n", "300"])
    out = capsys.readouterr().out
    assert "Episode Reward" in out and "Mean reward" in out


def test_ent_coef_schedule_in_an_entry(tmp_path):
    """The zoo converts only its own keys to schedules; ``ent_coef: lin_0.02`` becomes one all the same."""
    entry = {"n_timesteps": 200, "policy": "MlpPolicy", "n_envs": 2, "n_steps": 16, "ent_coef": "lin_0.02"}
    conf = write_config(tmp_path / "c.yml", {"CartPole-v1": entry})
    main(["train", "--algo", "reinforce", "--env", "CartPole-v1", "-f", str(tmp_path), "--conf-file", conf, *FAST])
    model = REINFORCE.load(run_dir(tmp_path, "reinforce", "CartPole-v1") / "CartPole-v1.zip")
    assert [model.ent_coef(p) for p in (1.0, 0.5, 0.0)] == pytest.approx([0.02, 0.01, 0.0])
    from rl_zoo3.exp_manager import ExperimentManager

    # Installed once by register(), however often it runs; a number and the zoo's own keys read as before
    converter = ExperimentManager._preprocess_schedules
    register()
    assert ExperimentManager._preprocess_schedules is converter
    converted = ExperimentManager._preprocess_schedules({"ent_coef": 0.01, "learning_rate": "lin_1e-3"})
    assert converted["ent_coef"] == 0.01 and converted["learning_rate"](0.5) == pytest.approx(5e-4)


def test_python_conf_file_wins(tmp_path):
    conf = tmp_path / "my_hyperparams.py"
    conf.write_text(
        'hyperparams = {"CartPole-v1": dict(n_timesteps=200, policy="MlpPolicy", n_envs=2, n_steps=16, baseline="none")}\n'
    )
    main(["train", "--algo", "reinforce", "--env", "CartPole-v1", "-f", str(tmp_path), "--conf-file", str(conf), *FAST])
    model = REINFORCE.load(run_dir(tmp_path, "reinforce", "CartPole-v1") / "CartPole-v1.zip")
    assert model.baseline == "none" and model.n_steps == 16 and model.n_envs == 2


def test_normalize_statistics_are_saved_and_reloaded(tmp_path, monkeypatch):
    conf = write_config(
        tmp_path / "pendulum.yml",
        {
            "Pendulum-v1": {
                "normalize": True,
                "n_envs": 2,
                "n_timesteps": 800,
                "policy": "MlpPolicy",
                "n_steps": 8,
                "learning_rate": "lin_1e-3",
                "policy_kwargs": "dict(log_std_init=-1, net_arch=dict(pi=[32], vf=[32]))",
            }
        },
    )
    logs = tmp_path / "logs"
    main(["train", "--algo", "reinforce", "--env", "Pendulum-v1", "-f", str(logs), "--conf-file", conf, *FAST])
    stats_path = run_dir(logs, "reinforce", "Pendulum-v1") / "Pendulum-v1" / "vecnormalize.pkl"
    assert stats_path.is_file()

    saved_mean = VecNormalize.load(str(stats_path), venv=make_vec_env("Pendulum-v1", n_envs=1)).obs_rms.mean
    assert not np.allclose(saved_mean, 0.0)

    loaded = []
    original_load = VecNormalize.load

    def spy_load(load_path, venv):
        env = original_load(load_path, venv)
        loaded.append((load_path, env))
        return env

    monkeypatch.setattr(VecNormalize, "load", staticmethod(spy_load))
    main(
        ["enjoy", "--algo", "reinforce", "--env", "Pendulum-v1", "-f", str(logs), "--no-render", "-n", "250", "--verbose", "0"]
    )
    assert len(loaded) == 1
    load_path, env = loaded[0]
    assert Path(load_path) == stats_path
    np.testing.assert_allclose(env.obs_rms.mean, saved_mean)
    assert not env.training and not env.norm_reward


@pytest.mark.filterwarnings("ignore:.*share an object")  # SimpleMultiObsEnv reuses its observation arrays
def test_dict_observation_env_round_trip(tmp_path, capsys):
    conf = write_config(
        tmp_path / "multi.yml",
        {MULTI_OBS_ENV_ID: {"n_envs": 2, "n_timesteps": 200, "policy": "MultiInputPolicy", "n_steps": 16}},
    )
    logs = tmp_path / "logs"
    env_args = ["--env", MULTI_OBS_ENV_ID, "--gym-packages", "tests.zoo_envs", "-f", str(logs)]
    main(["train", "--algo", "reinforce", *env_args, "--conf-file", conf, *FAST])
    assert (run_dir(logs, "reinforce", MULTI_OBS_ENV_ID) / f"{MULTI_OBS_ENV_ID}.zip").is_file()
    capsys.readouterr()
    main(["enjoy", "--algo", "reinforce", *env_args, "--no-render", "-n", "100"])
    assert "Episode Reward" in capsys.readouterr().out


def test_zoo_algorithm_runs_unchanged_through_our_cli(tmp_path, capsys):
    main(["train", "--algo", "a2c", "--env", "CartPole-v1", "-n", "200", "-f", str(tmp_path), *FAST])
    saved = run_dir(tmp_path, "a2c", "CartPole-v1")
    args = yaml.load((saved / "CartPole-v1" / "args.yml").read_text(), Loader=yaml.UnsafeLoader)
    assert args["conf_file"] is None  # the zoo's own a2c.yml
    config = yaml.load((saved / "CartPole-v1" / "config.yml").read_text(), Loader=yaml.UnsafeLoader)
    zoo_a2c = Path(rl_zoo3.__file__).parent / "hyperparams" / "a2c.yml"
    assert dict(config) == yaml.safe_load(zoo_a2c.read_text())["CartPole-v1"]
    assert type(ALGOS["a2c"].load(saved / "CartPole-v1.zip")).__name__ == "A2C"
    capsys.readouterr()
    main(["enjoy", "--algo", "a2c", "--env", "CartPole-v1", "-f", str(tmp_path), "--no-render", "-n", "200"])
    assert "Episode Reward" in capsys.readouterr().out


def test_optimize(tmp_path, capsys):
    conf = write_config(tmp_path / "c.yml", {"CartPole-v1": {"n_envs": 2, "n_timesteps": 300, "policy": "MlpPolicy"}})
    logs = tmp_path / "logs"
    main(
        [
            "train",
            "--algo",
            "reinforce",
            "--env",
            "CartPole-v1",
            "-f",
            str(logs),
            "--conf-file",
            conf,
            "-optimize",
            "--n-trials",
            "2",
            "--n-evaluations",
            "1",
            "--eval-episodes",
            "2",
            "--sampler",
            "random",
            "--pruner",
            "none",
            "--no-optim-plots",
            *FAST,
        ]
    )
    reports = list((logs / "reinforce").glob("report_CartPole-v1_2-trials-*.csv"))
    assert len(reports) == 1
    trials = pd.read_csv(reports[0])
    assert len(trials) == 2 and set(trials["state"]) == {"COMPLETE"}
    assert "params_baseline" in trials and "params_normalize_advantage" in trials


def test_optimize_holds_params_fixed(tmp_path, capsys):
    """-params keys are not sampled: the trials keep their values, and the report has no column for them."""
    conf = write_config(tmp_path / "c.yml", {"CartPole-v1": {"n_envs": 2, "n_timesteps": 300, "policy": "MlpPolicy"}})
    # Two log folders: the zoo names a report by the second it was written, so two fast studies could share a name
    free_logs, held_logs = tmp_path / "free", tmp_path / "held"
    optimize = ["-optimize", "--n-trials", "2", "--n-evaluations", "1", "--eval-episodes", "2", "--sampler", "random"]
    params = ["-params", "ent_coef:0.05", "baseline:'value'", "n_steps:8"]
    main(["train", "--algo", "reinforce", "--env", "CartPole-v1", "-f", str(free_logs), "--conf-file", conf, *optimize])
    main(
        ["train", "--algo", "reinforce", "--env", "CartPole-v1", "-f", str(held_logs), "--conf-file", conf, *optimize, *params]
    )
    assert "Not sampled, set by -params in every trial: baseline, ent_coef, n_steps" in capsys.readouterr().out
    (free,) = (free_logs / "reinforce").glob("report_CartPole-v1_2-trials-*.csv")
    (held,) = (held_logs / "reinforce").glob("report_CartPole-v1_2-trials-*.csv")
    assert {"params_ent_coef", "params_baseline", "params_n_steps"} <= set(pd.read_csv(free).columns)
    columns = set(pd.read_csv(held).columns)
    assert not {"params_ent_coef", "params_baseline", "params_n_steps"} & columns
    # The fixed baseline is the value baseline: its learning rate is still searched
    assert {"params_learning_rate", "params_vf_learning_rate", "params_net_arch"} <= columns


def test_params_held_fixed_are_not_drawn():
    """A FixedTrial raises on any name it lacks: the samplers ask for none of the fixed hyperparameters."""
    drawn = {"learning_rate": 1e-3, "one_minus_gamma": 0.01, "normalize_advantage": True, "max_grad_norm": 1.0}
    fixed = {"ent_coef": 0.01, "n_steps": 1, "baseline": "value", "policy_kwargs": {"net_arch": [32]}}
    with params_held_fixed(fixed):
        sampled = sample_reinforce_params(optuna.trial.FixedTrial({**drawn, "vf_learning_rate": 3e-4}), 0, 1, {})
        assert sampled == convert_reinforce_params({**drawn, "vf_learning_rate": 3e-4})
        assert sample_reinforce_lstm_params(optuna.trial.FixedTrial({**drawn, "vf_learning_rate": 3e-4}), 0, 1, {}) == sampled
    with params_held_fixed({**fixed, "baseline": "linear"}):
        # No value baseline: its learning rate is not drawn either
        assert sample_reinforce_params(optuna.trial.FixedTrial(drawn), 0, 1, {}) == convert_reinforce_params(drawn)
    # Outside the context every hyperparameter is drawn again
    with pytest.raises(ValueError, match="n_steps"):
        sample_reinforce_params(optuna.trial.FixedTrial(drawn), 0, 1, {})


@pytest.mark.parametrize(
    "baseline_params",
    [
        {"baseline": "none", "normalize_advantage": False},
        {"baseline": "linear", "normalize_advantage": "returns"},
        {"baseline": "value", "normalize_advantage": True, "vf_learning_rate": 3e-4},
        {"baseline": "value", "normalize_advantage": "unbiased_returns", "vf_learning_rate": 3e-4},
    ],
)
def test_sampler_matches_converter(baseline_params):
    params = {
        "learning_rate": 1e-3,
        "n_steps": 32,
        "one_minus_gamma": 0.01,
        "net_arch": "tiny",
        "activation_fn": "relu",
        "ent_coef": 1e-3,
        "max_grad_norm": 1.0,
        **baseline_params,
    }
    sampled = sample_reinforce_params(optuna.trial.FixedTrial(params), 0, 1, {})
    assert sampled == convert_reinforce_params(params)
    assert sampled["gamma"] == pytest.approx(0.99)
    assert sampled["policy_kwargs"] == {"net_arch": dict(pi=[64], vf=[64]), "activation_fn": th.nn.ReLU}
    model = REINFORCE("MlpPolicy", "CartPole-v1", **sampled)
    assert model.baseline == baseline_params["baseline"] and model.n_steps == 32
    assert model.normalize_advantage == baseline_params["normalize_advantage"]
    assert model.vf_learning_rate == baseline_params.get("vf_learning_rate", 1e-3)


def test_sampler_draws_every_normalization():
    """The search draws normalize_advantage among every value the constructor accepts."""
    trial = optuna.create_study().ask()
    sample_reinforce_params(trial, 0, 1, {})
    assert trial.distributions["normalize_advantage"].choices == NORMALIZE_ADVANTAGE


@pytest.mark.parametrize(
    ("entry", "extra_args", "message"),
    [
        ({"learning_rat": 1e-3}, [], r"unknown hyperparameter 'learning_rat'"),
        ({}, ["-params", "clip_range:0.2", "gae_lambda:0.9"], r"unknown hyperparameters 'clip_range', 'gae_lambda'"),
        ({"seed": 3}, [], r"'seed' cannot be set in a config: the zoo sets it from --seed"),
        ({"learning_rate": "3e-3"}, [], r"learning_rate: '3e-3' is a string .* write !!float 3e-3"),
    ],
)
def test_bad_config_key_gives_a_clear_error(tmp_path, capsys, entry, extra_args, message):
    conf = write_config(tmp_path / "c.yml", {"CartPole-v1": {"n_timesteps": 100, "policy": "MlpPolicy", **entry}})
    logs = tmp_path / "logs"
    argv = ["train", "--algo", "reinforce", "--env", "CartPole-v1", "-f", str(logs), "-conf", conf, *extra_args, *FAST]
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert "error: Invalid REINFORCE hyperparameters in entry 'CartPole-v1'" in err
    assert re.search(message, err)
    assert not logs.exists()  # nothing was started


@pytest.mark.parametrize(
    ("entry", "extra_args", "message"),
    [
        # -params baseline:values: the zoo's StoreDict evaluates the bare word to its own list of arguments
        (
            {},
            ["-params", "baseline:values"],
            r"Invalid REINFORCE hyperparameters in entry 'CartPole-v1' .* with the -params overrides: baseline must be "
            r"one of \('none', 'value', 'linear'\), got baseline=\['baseline:values'\] \(-params baseline:values: "
            r"the zoo evaluates each value as Python, so the bare word values is a name, not a string; "
            r"quote it: baseline:\"'values'\"\)",
        ),
        # A bare word that names nothing: the zoo's parser would raise NameError
        (
            {},
            ["-params", "normalize_advantage:returns"],
            r"error: -params normalize_advantage:returns: .* quote it: normalize_advantage:\"'returns'\" \(NameError",
        ),
        ({}, ["-params", "gamma:1.5"], r"gamma must be in \[0.0, 1.0\], got gamma=1.5"),
        ({"n_steps": 0}, [], r"in entry 'CartPole-v1' of .*: n_steps must be in \[1, inf\], got n_steps=0"),
        ({"normalize_advantage": "std"}, [], re.escape(f"normalize_advantage must be one of {NORMALIZE_ADVANTAGE}")),
        # The zoo would wrap a negative learning rate in no schedule and a string in a broken one
        ({"learning_rate": -1e-3}, [], r"learning_rate must be in \(0.0, inf\], got learning_rate=-0.001"),
        ({"learning_rate": "lin_x"}, [], r"learning_rate='lin_x' is neither a number nor a schedule such as 'lin_3e-3'"),
        ({"ent_coef": "lin_x"}, [], r"ent_coef='lin_x' is neither a number nor a schedule such as 'lin_3e-3'"),
        ({"ent_coef": -0.01}, [], r"ent_coef must be in \[0.0, inf\], got ent_coef=-0.01"),
        ({"baseline": "none", "bootstrap_truncated": True}, [], r"bootstrap_truncated=True needs baseline='value'"),
    ],
)
def test_bad_value_gives_a_clear_error_before_anything_is_built(tmp_path, capsys, entry, extra_args, message):
    conf = write_config(tmp_path / "c.yml", {"CartPole-v1": {"n_timesteps": 100, "policy": "MlpPolicy", **entry}})
    logs = tmp_path / "logs"
    argv = ["train", "--algo", "reinforce", "--env", "CartPole-v1", "-f", str(logs), "-conf", conf, *extra_args, *FAST]
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m sb3_reinforce.zoo train: error: ") and err.count("\n") == 1
    assert re.search(message, err), err
    assert not logs.exists()  # nothing was started


@pytest.mark.parametrize(
    ("env_id", "message"),
    [
        ("NoSuch-v0", "no env of that id is registered with gymnasium (no registered id is close)"),
        ("CartPol-v1", "no env of that id is registered with gymnasium (close matches: CartPole-v1, CartPole-v0, "),
        # Registered by the zoo's rl_zoo3.import_envs, which the check imports first
        ("LunarLanderNoVel-v2", "(close matches: LunarLanderNoVel-v3, "),
    ],
)
def test_unknown_env_id_is_one_line_before_the_zoo_starts(tmp_path, capsys, env_id, message):
    """The zoo's train raised a ValueError with a traceback; the check names the id and its close matches."""
    logs = tmp_path / "logs"
    with pytest.raises(SystemExit) as excinfo:
        main(["train", "--algo", "reinforce", "--env", env_id, "-f", str(logs), *FAST])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"python -m sb3_reinforce.zoo train: error: --env {env_id}: ") and err.count("\n") == 1, err
    assert message in err
    assert not logs.exists()  # nothing was started


def test_unknown_env_id_names_the_extra_that_registers_it(monkeypatch):
    """An ALE id without ale-py names the atari extra, as python -m sb3_reinforce does."""
    registry = {env_id: spec for env_id, spec in gym.envs.registry.items() if not env_id.startswith("ALE/")}
    monkeypatch.setattr(gym.envs, "registry", registry)
    monkeypatch.setitem(sys.modules, "ale_py", None)  # import ale_py raises ImportError
    message = 'ALE/Pong-v5 is an Atari game, which needs the ALE: pip install -e ".[atari]" from the clone\'s root'
    with pytest.raises(ZooEnvError, match=re.escape(f"--env ALE/Pong-v5: {message}")):
        check_env_id(["--algo", "reinforce", "--env", "ALE/Pong-v5"])


def test_env_id_check_imports_the_gym_packages(tmp_path, monkeypatch):
    """An id that a --gym-packages module registers passes the check, as the zoo imports those modules itself."""
    entry_point = "gymnasium.envs.classic_control:CartPoleEnv"
    (tmp_path / "zoo_test_gym_package.py").write_text(
        f"import gymnasium\n\ngymnasium.register('ZooTestCustom-v0', '{entry_point}')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(gym.envs.registry, "ZooTestCustom-v0", raising=False)
    with pytest.raises(ZooEnvError, match="--env ZooTestCustom-v0: no env of that id is registered"):
        check_env_id(["--env", "ZooTestCustom-v0"])
    try:
        check_env_id(["--env", "ZooTestCustom-v0", "--gym-packages", "zoo_test_gym_package"])
    finally:
        gym.envs.registry.pop("ZooTestCustom-v0", None)
        sys.modules.pop("zoo_test_gym_package", None)
    with pytest.raises(ZooEnvError, match=r"--gym-packages no_such_module: it does not import \(No module named"):
        check_env_id(["--env", "CartPole-v1", "--gym-packages", "no_such_module"])


def test_params_are_read_as_the_zoo_reads_them():
    values, bare_words = parse_params(["baseline:'none'", "learning_rate:0.001", "normalize_advantage:True", "n_envs:4"])
    assert values == {"baseline": "none", "learning_rate": 0.001, "normalize_advantage": True, "n_envs": 4}
    assert bare_words == {}
    # The good values of a REINFORCE entry pass the check
    prepare_train_args(["--algo", "reinforce", "-params", "baseline:'linear'", "learning_rate:'lin_1e-3'", "n_steps:8"])
    # Every normalisation an entry may name passes it, for each algorithm
    for value in NORMALIZE_ADVANTAGE:
        for algo_class in (REINFORCE, MaskableREINFORCE, RecurrentREINFORCE):
            assert check_values({"normalize_advantage": value}, set(), algo_class) is None, (value, algo_class)


def test_help_of_other_scripts_lists_reinforce(capsys):
    for script in ("enjoy", "record_video"):
        with pytest.raises(SystemExit) as excinfo:
            main([script, "--help"])
        assert excinfo.value.code == 0
        assert "reinforce" in capsys.readouterr().out


def test_help_is_plain_words(capsys):
    """The docstring's RST literals (double backticks) are dropped from --help."""
    main(["--help"])
    out = capsys.readouterr().out
    assert "`" not in out
    assert "so --algo reinforce, --algo reinforce_mask and --algo reinforce_lstm sit beside the zoo's own." in " ".join(
        out.split()
    )


def test_unknown_script(capsys):
    with pytest.raises(SystemExit):
        main(["fly", "--algo", "reinforce"])
    assert "unknown script 'fly'" in capsys.readouterr().err


def test_shipped_config_parses():
    entries = yaml.safe_load(default_config_path().read_text())
    assert set(entries) == SHIPPED_ENTRIES
    source = yaml.safe_load((REPO / "zoo_configs" / "reinforce.yml").read_text())
    assert entries == source


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (PyYAML, and with it the zoo, keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge"]
        repeated = sorted({str(key) for key in keys if keys.count(key) > 1})
        if repeated:
            raise yaml.constructor.ConstructorError(None, None, f"repeated keys {repeated}", node.start_mark)
        return super().construct_mapping(node, deep=deep)


@pytest.mark.parametrize("algo", ["reinforce", "reinforce_mask", "reinforce_lstm"])
def test_shipped_config_has_no_repeated_key(algo):
    """A key written twice would be silently overwritten by the second: every entry and every setting appears once."""
    yaml.load(default_config_path(algo).read_text(), Loader=_UniqueKeyLoader)
    with pytest.raises(yaml.constructor.ConstructorError, match="repeated keys"):
        yaml.load("CartPole-v1:\nCartPole-v1:\n  n_envs: 8\n", Loader=_UniqueKeyLoader)


# The normalisations whose update is unbiased in direction (tests/test_unbiased.py proves it); True and "returns"
# put each step's own return in the statistics that weigh it
UNBIASED_NORMALIZATIONS = (*DIRECTION_UNBIASED, False)


@pytest.mark.parametrize("algo", ["reinforce", "reinforce_mask", "reinforce_lstm"])
def test_every_shipped_entry_is_unbiased(algo):
    """Every shipped entry uses a direction-unbiased normalisation (or the constructor's default, "unbiased")."""
    entries = yaml.safe_load(default_config_path(algo).read_text())
    biased = {
        name: entry["normalize_advantage"]
        for name, entry in entries.items()
        if entry.get("normalize_advantage", "unbiased") not in UNBIASED_NORMALIZATIONS
    }
    assert biased == {}
    assert set(UNBIASED_NORMALIZATIONS) < set(NORMALIZE_ADVANTAGE)


ENTRY_ENVS = {
    "default": "MountainCar-v0",
    "atari": "BreakoutNoFrameskip-v4",
    "CartPole-v1": "CartPole-v1",
    "Acrobot-v1": "Acrobot-v1",
    "LunarLander-v3": "LunarLander-v3",
    "Pendulum-v1": "Pendulum-v1",
    "MountainCarContinuous-v0": "MountainCarContinuous-v0",
    "InvertedPendulum-v5": "InvertedPendulum-v5",
    "HalfCheetah-v5": "HalfCheetah-v5",
    "Hopper-v5": "Hopper-v5",
    "Walker2d-v5": "Walker2d-v5",
    "Swimmer-v5": "Swimmer-v5",
    "InvertedDoublePendulum-v5": "InvertedDoublePendulum-v5",
}
MUJOCO = ("InvertedPendulum-v5", "HalfCheetah-v5", "Hopper-v5", "Walker2d-v5", "Swimmer-v5", "InvertedDoublePendulum-v5")
PHYSICS = {"LunarLander-v3": "Box2D", "atari": "ale_py", **dict.fromkeys(MUJOCO, "mujoco")}


@pytest.mark.parametrize("entry", sorted(ENTRY_ENVS))
def test_every_shipped_entry_builds_a_model(entry, tmp_path, monkeypatch):
    if entry in PHYSICS:
        pytest.importorskip(PHYSICS[entry])
    register()
    env_id = ENTRY_ENVS[entry]
    monkeypatch.chdir(tmp_path)
    exp_manager = ExperimentManager(
        args=argparse.Namespace(),
        algo="reinforce",
        env_id=env_id,
        log_folder=str(tmp_path / "logs"),
        eval_freq=-1,
        config=str(default_config_path()),
        verbose=0,
        device="cpu",
    )
    model, saved_hyperparams = exp_manager.setup_experiment()
    shipped = yaml.safe_load(default_config_path().read_text())[entry]
    assert dict(saved_hyperparams) == shipped
    assert isinstance(model, REINFORCE)
    assert model.n_envs == shipped.get("n_envs", 1)
    for key in ("n_steps", "gamma", "baseline", "normalize_advantage", "ent_coef", "use_sde"):
        if isinstance(shipped.get(key), str) and shipped[key].startswith("lin_"):
            # ent_coef: lin_<x>, a schedule by register()'s conversion
            assert getattr(model, key)(1.0) == pytest.approx(float(shipped[key][4:])), key
        elif key in shipped:
            assert getattr(model, key) == shipped[key], key
    if entry == "atari":
        # The AtariWrapper's 84x84 frames, stacked 4 deep, channel-first for the CnnPolicy; one whole rollout trains
        assert model.observation_space.shape == (4, 84, 84)
        model.learn(1)
        assert model.logger.name_to_value["train/n_updates"] == 1
        assert model.logger.name_to_value["rollout/batch_episodes"] >= model.n_envs
    model.env.close()


def test_wheel_ships_the_config(tmp_path):
    pytest.importorskip("hatchling")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
        check=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    (wheel,) = tmp_path.glob("sb3_reinforce-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        for config in ("reinforce.yml", "reinforce_mask.yml", "reinforce_lstm.yml"):
            assert zf.read(f"sb3_reinforce/zoo/{config}") == (REPO / "zoo_configs" / config).read_bytes()
        entry_points = next(n for n in zf.namelist() if n.endswith("entry_points.txt"))
        assert "sb3-reinforce-zoo = sb3_reinforce.zoo.cli:main" in zf.read(entry_points).decode()


# Packages the pages install from PyPI; sb3-reinforce itself is not there
PYPI_PACKAGES = ("torch==2.13.0", "optuna-dashboard")


def test_install_commands_work_from_the_clone():
    """Every pip install of sb3-reinforce (README, docs pages, error messages) is the clone's -e ., with extras that
    exist."""
    pyproject = (REPO / "pyproject.toml").read_text()
    section = pyproject.split("[project.optional-dependencies]")[1].split("\n[")[0]
    extras = set(re.findall(r"^([a-z]+) = \[", section, re.MULTILINE))
    assert {"zoo", "atari", "postgres", "docs"} <= extras
    commands = [command for page in pages() for command in re.findall(r"pip install ([^`&#\n]+)", page.read_text())]
    commands.append(POSTGRES_INSTALL.removeprefix("pip install ").split(" in the root")[0])
    assert len(commands) >= 6
    for command in commands:
        args = [arg for arg in shlex.split(command) if arg not in PYPI_PACKAGES]
        if not args:
            continue  # PyPI packages only
        assert args[0] == "-e" and len(args) == 2, command
        match = re.fullmatch(r"\.(?:\[([a-z,]+)\])?", args[1])
        assert match, f"{command}: not the clone's root"
        assert set((match.group(1) or "").split(",")) - {""} <= extras, command


def readme() -> str:
    """The RL Zoo page of the docs, which holds the zoo's commands and advice."""
    return (DOCS / "guide" / "rl_zoo.md").read_text()


def test_readme_conf_file_example_trains(tmp_path):
    conf_text = example(DOCS / "guide" / "rl_zoo.md", "zoo-conf-file", language="yaml")
    conf = tmp_path / "my_reinforce.yml"
    conf.write_text(conf_text)
    logs = tmp_path / "logs"
    main(
        ["train", "--algo", "reinforce", "--env", "CartPole-v1", "--conf-file", str(conf), "-n", "256", "-f", str(logs), *FAST]
    )
    model = REINFORCE.load(run_dir(logs, "reinforce", "CartPole-v1") / "CartPole-v1.zip")
    entry = yaml.safe_load(conf_text)["CartPole-v1"]
    assert model.n_envs == entry["n_envs"] and model.n_steps == entry["n_steps"]
    assert model.baseline == entry["baseline"] and model.normalize_advantage == entry["normalize_advantage"]


def test_readme_eval_freq_advice_gives_all_plots_a_table(tmp_path, capsys):
    """A run shorter than the default --eval-freq has no evaluations (all_plots: 0.0 +/- 0.0); the page's flags fix it."""
    match = re.search(r"pass a smaller `--eval-freq`\s*\(`([^`]+)`\)", readme())
    assert match, "the RL Zoo page's --eval-freq advice is missing"
    logs = tmp_path / "logs"
    fast = [arg for arg in FAST if arg not in ("--eval-freq", "-1")]
    argv = ["train", "--algo", "reinforce", "--env", "CartPole-v1", *shlex.split(match.group(1)), "-f", str(logs)]
    main([*argv, "--eval-episodes", "2", *fast])
    capsys.readouterr()
    main(["all_plots", "-a", "reinforce", "-e", "CartPole-v1", "-f", str(logs), "--no-display"])
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("|CartPole-v1"))
    assert "0.0 +/- 0.0" not in row, row


def test_readme_exp_id_advice_after_optimize(tmp_path, capsys):
    """After -optimize, the latest run folder has no model: enjoy needs the RL Zoo page's --exp-id."""
    match = re.search(r"stops with \"No model found\":\s*pass the training run's number, `(--exp-id \d+)`", readme())
    assert match, "the RL Zoo page's --exp-id advice is missing"
    logs = tmp_path / "logs"
    conf = write_config(tmp_path / "c.yml", {"CartPole-v1": {"n_envs": 2, "n_timesteps": 200, "policy": "MlpPolicy"}})
    train = ["train", "--algo", "reinforce", "--env", "CartPole-v1", "-f", str(logs), "--conf-file", conf, *FAST]
    main(train)
    optimize = ["-optimize", "--n-trials", "1", "--n-evaluations", "1", "--eval-episodes", "1", "--no-optim-plots"]
    main([*train, *optimize])
    # 600 steps: at least one episode (CartPole ends by 500 steps) ends, and enjoy prints its mean reward
    enjoy = ["enjoy", "--algo", "reinforce", "--env", "CartPole-v1", "-f", str(logs), "--no-render", "-n", "600"]
    with pytest.raises(ValueError, match="No model found"):
        main(enjoy)
    capsys.readouterr()
    main([*enjoy, *shlex.split(match.group(1))])
    assert "Mean reward" in capsys.readouterr().out
