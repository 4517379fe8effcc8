"""RL Zoo integration of RecurrentREINFORCE: --algo reinforce_lstm, its shipped config, enjoy with states, -optimize."""

import argparse
import itertools
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import yaml
from torch import nn

rl_zoo3 = pytest.importorskip("rl_zoo3")

import optuna  # noqa: E402
import pandas as pd  # noqa: E402
from rl_zoo3 import ALGOS  # noqa: E402
from rl_zoo3.exp_manager import ExperimentManager  # noqa: E402
from rl_zoo3.hyperparams_opt import HYPERPARAMS_CONVERTER, HYPERPARAMS_SAMPLER  # noqa: E402

from sb3_reinforce import RecurrentREINFORCE  # noqa: E402
from sb3_reinforce.callbacks import FreezeVecNormalizeCallback  # noqa: E402
from sb3_reinforce.zoo import RECURRENT_ALGO_NAME, default_config_path, register  # noqa: E402
from sb3_reinforce.zoo.cli import main, prepare_train_args  # noqa: E402
from sb3_reinforce.zoo.config import SET_BY_ZOO, ZOO_KEYS, constructor_keys  # noqa: E402
from sb3_reinforce.zoo.envs import CUE_RECALL_ENV_ID, CUE_RECALL_GAP, CueRecallEnv  # noqa: E402
from sb3_reinforce.zoo.hyperparams_opt import (  # noqa: E402
    CRITIC_LSTMS,
    convert_reinforce_lstm_params,
    sample_reinforce_lstm_params,
)
from tests.pages import benchmark_script  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ALGO = RECURRENT_ALGO_NAME
NO_VEL_ENVS = ("CartPoleNoVel-v1", "MountainCarContinuousNoVel-v0", "LunarLanderNoVel-v3")
SHIPPED_ENTRIES = {"default", *NO_VEL_ENVS, CUE_RECALL_ENV_ID}
# Common flags: quiet, single-threaded, no periodic evaluation
FAST = ["--verbose", "0", "--num-threads", "1", "--eval-freq", "-1", "--seed", "0"]
# A small LSTM on a short cue-recall task: a few hundred steps train in about a second
SMALL_ENTRY = {
    "n_envs": 2,
    "n_timesteps": 200,
    "policy": "MlpLstmPolicy",
    "n_steps": 4,
    "policy_kwargs": "dict(lstm_hidden_size=8, net_arch=[8])",
}


def write_config(path: Path, entries: dict) -> str:
    path.write_text(yaml.safe_dump(entries))
    return str(path)


def shipped() -> dict:
    return yaml.safe_load(default_config_path(ALGO).read_text())


def test_register_adds_reinforce_lstm():
    register()
    register()
    assert ALGO == "reinforce_lstm"
    assert ALGOS[ALGO] is RecurrentREINFORCE
    assert HYPERPARAMS_SAMPLER[ALGO] is sample_reinforce_lstm_params
    assert HYPERPARAMS_CONVERTER[ALGO] is convert_reinforce_lstm_params
    assert ALGOS["ppo_lstm"].__name__ == "RecurrentPPO"  # the zoo's own, left alone


def test_register_makes_the_config_envs_available():
    """register() alone (no zoo script imported) registers the zoo's velocity-masked envs and the memory task."""
    code = (
        "import gymnasium as gym; from sb3_reinforce.zoo import register; register(); "
        f"[gym.make(env_id).close() for env_id in {[*NO_VEL_ENVS, CUE_RECALL_ENV_ID]!r}]"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_no_vel_env_hides_the_velocities():
    register()
    env = gym.make("CartPoleNoVel-v1")
    obs, _ = env.reset(seed=0)
    for _ in range(5):
        obs, *_ = env.step(1)
    # Cart velocity and pole angular velocity (indices 1 and 3) are masked; the positions move
    assert obs[1] == 0.0 and obs[3] == 0.0 and obs[0] != 0.0 and obs[2] != 0.0
    env.close()


@pytest.mark.parametrize("gap", [0, 3, 10])
def test_cue_recall_env(gap):
    env = CueRecallEnv(gap=gap)
    for seed in range(6):
        obs, _ = env.reset(seed=seed)
        cue = int(np.argmax(obs))
        assert cue in (0, 1) and obs.tolist() == [float(cue == 0), float(cue == 1), 0.0]
        rewards = []
        for t in range(gap + 2):
            answer = t == gap + 1
            obs, reward, terminated, truncated, _ = env.step(cue if seed % 2 else 1 - cue)
            rewards.append(reward)
            assert terminated == answer and not truncated
            if t + 1 == gap + 1:
                assert obs.tolist() == [0.0, 0.0, 1.0]  # answer now
            elif not answer:
                assert obs.tolist() == [0.0, 0.0, 0.0]
        assert rewards == [0.0] * (gap + 1) + [1.0 if seed % 2 else -1.0]
    assert env.observation_space.contains(obs) and env.action_space.n == 2


@pytest.mark.parametrize("gap", [-1, 1.5, True])
def test_cue_recall_env_refuses_a_bad_gap(gap):
    with pytest.raises(ValueError, match=re.escape(f"gap must be an integer >= 0, got gap={gap!r}")):
        CueRecallEnv(gap=gap)


def test_cue_recall_is_registered_with_a_gap_longer_than_the_entry_n_steps():
    register()
    env = gym.make(CUE_RECALL_ENV_ID)
    assert isinstance(env.unwrapped, CueRecallEnv)
    assert env.unwrapped.gap > shipped()[CUE_RECALL_ENV_ID]["n_steps"]
    env.close()


def test_shipped_config_is_injected():
    config = str(default_config_path(ALGO))
    assert config.endswith("reinforce_lstm.yml")
    assert prepare_train_args(["--algo", ALGO]) == ["--algo", ALGO, "--conf-file", config, "--num-threads", "1"]


def test_shipped_config_parses():
    entries = shipped()
    assert set(entries) == SHIPPED_ENTRIES
    assert entries == yaml.safe_load((REPO / "zoo_configs" / "reinforce_lstm.yml").read_text())
    assert all(entry["policy"] == "MlpLstmPolicy" for entry in entries.values())
    assert entries["default"]["n_envs"] == 8


@pytest.mark.parametrize("entry", sorted(SHIPPED_ENTRIES))
def test_every_shipped_key_is_taken(entry):
    """Every key is a RecurrentREINFORCE constructor argument or a zoo key, and the CLI's check passes the entry."""
    hyperparams = shipped()[entry]
    allowed = constructor_keys(RecurrentREINFORCE) | ZOO_KEYS
    assert set(hyperparams) <= allowed, set(hyperparams) - allowed
    assert not set(hyperparams) & set(SET_BY_ZOO)
    assert not hyperparams.get("bootstrap_truncated", False)
    env_id = "Pendulum-v1" if entry == "default" else entry
    prepare_train_args(["--algo", ALGO, "--env", env_id])


def test_mountaincar_probe_in_the_tuning_notes_runs_the_shipped_entry():
    """The probe command that the tuning notes give for MountainCarContinuousNoVel-v0 copies the shipped entry, but for
    the learning rate: the constant 3e-3 of the entry the probe measured."""
    benchmark = benchmark_script("benchmark")
    probes = re.findall(
        r"^python benchmarks/probe_recurrent\.py .*MountainCarContinuousNoVel.*$", benchmark.TUNING_PAGE.read_text(), re.M
    )
    assert len(probes) == 1, probes
    script, seed, settings, timesteps = shlex.split(probes[0])[1:]
    assert script == "benchmarks/probe_recurrent.py" and int(seed) < benchmark.REPORTING_SEEDS and int(timesteps) > 0
    probe = json.loads(settings)
    entry = dict(shipped()["MountainCarContinuousNoVel-v0"])
    assert probe.pop("env") == "MountainCarContinuousNoVel-v0"
    assert probe.pop("n_envs", 8) == entry.pop("n_envs")
    # The zoo's `normalize: true` is VecNormalize on the observations and the rewards
    assert entry.pop("normalize") is True and probe.pop("normalize") is True and probe.pop("norm_reward") is True
    assert probe.pop("policy_kwargs") == eval(entry.pop("policy_kwargs"), {"dict": dict, "nn": nn})
    for zoo_key in ("n_timesteps", "policy"):
        entry.pop(zoo_key)
    # The probe's figures were measured at the constant rate the entry had before its linear decay
    assert probe.pop("learning_rate") == 3e-3 and entry.pop("learning_rate") == "lin_3e-3"
    assert probe == entry


ENTRY_ENVS = {"default": "PendulumNoVel-v1", **{env_id: env_id for env_id in SHIPPED_ENTRIES - {"default"}}}


@pytest.mark.parametrize("entry", sorted(ENTRY_ENVS))
def test_every_shipped_entry_builds_a_model(entry, tmp_path, monkeypatch):
    if entry == "LunarLanderNoVel-v3":
        pytest.importorskip("Box2D")
    register()
    monkeypatch.chdir(tmp_path)
    manager = ExperimentManager(
        args=argparse.Namespace(),
        algo=ALGO,
        env_id=ENTRY_ENVS[entry],
        log_folder=str(tmp_path / "logs"),
        eval_freq=-1,
        config=str(default_config_path(ALGO)),
        verbose=0,
        device="cpu",
    )
    model, saved_hyperparams = manager.setup_experiment()
    entry_hyperparams = shipped()[entry]
    assert dict(saved_hyperparams) == entry_hyperparams
    assert isinstance(model, RecurrentREINFORCE) and model.n_envs == entry_hyperparams["n_envs"]
    for key in ("n_steps", "gamma", "baseline", "normalize_advantage", "use_sde"):
        if key in entry_hyperparams:
            assert getattr(model, key) == entry_hyperparams[key], key
    policy_kwargs = eval(entry_hyperparams.get("policy_kwargs", "dict()"), {"nn": nn})  # as the zoo evaluates it
    assert model.policy.lstm_actor.hidden_size == policy_kwargs.get("lstm_hidden_size", 256)
    # The entry's callbacks are built by the zoo: CartPoleNoVel-v1 freezes its VecNormalize statistics at 50k steps
    freezes = [callback for callback in manager.callbacks if isinstance(callback, FreezeVecNormalizeCallback)]
    assert [callback.after_timesteps for callback in freezes] == ([50_000] if entry == "CartPoleNoVel-v1" else [])
    model.env.close()


def test_bad_config_key_names_recurrent_reinforce(tmp_path, capsys):
    """A key of RecurrentPPO's, n_epochs, is refused by name before anything is built."""
    conf = write_config(tmp_path / "c.yml", {CUE_RECALL_ENV_ID: {**SMALL_ENTRY, "n_epochs": 4}})
    logs = tmp_path / "logs"
    with pytest.raises(SystemExit) as excinfo:
        main(["train", "--algo", ALGO, "--env", CUE_RECALL_ENV_ID, "-f", str(logs), "-conf", conf, *FAST])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert f"Invalid RecurrentREINFORCE hyperparameters in entry {CUE_RECALL_ENV_ID!r}" in err
    assert "unknown hyperparameter 'n_epochs'" in err
    assert not logs.exists()


@pytest.mark.parametrize(
    ("extra_args", "message"),
    [
        # Refused before REINFORCE's own check would ask for baseline='value'
        (["-params", "bootstrap_truncated:True"], r"RecurrentREINFORCE does not support bootstrap_truncated=True"),
        (["-params", "baseline:'value'", "bootstrap_truncated:True"], r"does not support bootstrap_truncated=True"),
        (["-params", "n_steps:0"], r"n_steps must be in \[1, inf\], got n_steps=0"),
    ],
)
def test_bad_value_gives_a_clear_error_before_anything_is_built(tmp_path, capsys, extra_args, message):
    logs = tmp_path / "logs"
    with pytest.raises(SystemExit) as excinfo:
        main(["train", "--algo", ALGO, "--env", CUE_RECALL_ENV_ID, "-f", str(logs), *extra_args, *FAST])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m sb3_reinforce.zoo train: error: Invalid RecurrentREINFORCE hyperparameters")
    assert re.search(message, err), err
    assert not logs.exists()


def test_train_enjoy_round_trip_replays_with_states(tmp_path, capsys, monkeypatch):
    """Train through our CLI; the zoo's enjoy gives predict back the LSTM states it returned, reset at episode starts."""
    conf = write_config(tmp_path / "c.yml", {CUE_RECALL_ENV_ID: SMALL_ENTRY})
    logs = tmp_path / "logs"
    main(["train", "--algo", ALGO, "--env", CUE_RECALL_ENV_ID, "-f", str(logs), "-conf", conf, *FAST])
    saved = logs / ALGO / f"{CUE_RECALL_ENV_ID}_1"
    model = RecurrentREINFORCE.load(saved / f"{CUE_RECALL_ENV_ID}.zip")
    assert model.n_steps == 4 and model.n_envs == 2 and model.policy.lstm_actor.hidden_size == 8
    assert model.num_timesteps >= 200

    calls = []
    original_predict = RecurrentREINFORCE.predict

    def spy_predict(self, observation, state=None, episode_start=None, deterministic=False):
        actions, new_state = original_predict(self, observation, state, episode_start, deterministic)
        calls.append((state, None if episode_start is None else episode_start.copy(), new_state))
        return actions, new_state

    monkeypatch.setattr(RecurrentREINFORCE, "predict", spy_predict)
    capsys.readouterr()
    length = CUE_RECALL_GAP + 2  # three whole episodes
    main(["enjoy", "--algo", ALGO, "--env", CUE_RECALL_ENV_ID, "-f", str(logs), "--no-render", "-n", str(3 * length)])
    out = capsys.readouterr().out
    assert "Episode Reward" in out and "Mean reward" in out
    assert len(calls) == 3 * length
    assert calls[0][0] is None and calls[0][1].tolist() == [True]
    for (_, _, returned), (given, _, _) in itertools.pairwise(calls):
        assert given is returned  # the state predict returned goes back in
        assert returned[0].shape == (1, 1, 8)
    starts = [bool(episode_start[0]) for _, episode_start, _ in calls]
    assert starts == [True, *([False] * (length - 1))] * 3
    # The state carries the history: it changes inside an episode
    assert not np.allclose(calls[1][2][0], calls[2][2][0])


def test_optimize_and_load_a_trial(tmp_path, capsys):
    """-optimize with RecurrentREINFORCE's sampler; a stored trial loads back with --trial-id (its converter)."""
    conf = write_config(tmp_path / "c.yml", {CUE_RECALL_ENV_ID: SMALL_ENTRY})
    logs = tmp_path / "logs"
    storage = str(tmp_path / "study.log")
    study = ["--storage", storage, "--study-name", "lstm"]
    train = ["train", "--algo", ALGO, "--env", CUE_RECALL_ENV_ID, "-f", str(logs), "-conf", conf, *FAST]
    main([*train, "-optimize", "--n-trials", "2", "--n-evaluations", "1", "--eval-episodes", "2", "--sampler", "random",
          "--pruner", "none", "--no-optim-plots", *study])  # fmt: skip
    (report,) = (logs / ALGO).glob(f"report_{CUE_RECALL_ENV_ID}_2-trials-*.csv")
    trials = pd.read_csv(report)
    assert len(trials) == 2 and set(trials["state"]) == {"COMPLETE"}
    assert "params_lstm_hidden_size" in trials and "params_bootstrap_truncated" not in trials

    loaded = optuna.load_study(
        study_name="lstm", storage=optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(storage))
    )
    trial = loaded.trials[0]
    main([*train, *study, "--trial-id", str(trial.number)])
    # The optimisation's run folder has no model; the trained trial's has
    (zipped,) = (logs / ALGO).glob(f"{CUE_RECALL_ENV_ID}_*/{CUE_RECALL_ENV_ID}.zip")
    model = RecurrentREINFORCE.load(zipped)
    assert model.policy.lstm_actor.hidden_size == trial.params["lstm_hidden_size"]
    assert model.n_steps == trial.params["n_steps"] and model.baseline == trial.params["baseline"]
    assert model.lr_schedule(1.0) == pytest.approx(trial.params["learning_rate"])
    assert model.gamma == pytest.approx(1 - trial.params["one_minus_gamma"])


@pytest.mark.parametrize(
    "params",
    [
        {"baseline": "none", "normalize_advantage": False, "lstm_hidden_size": 32},
        {"baseline": "linear", "normalize_advantage": "returns", "lstm_hidden_size": 128},
        *(
            {
                "baseline": "value",
                "normalize_advantage": True,
                "vf_learning_rate": 3e-4,
                "lstm_hidden_size": 64,
                "critic_lstm": critic_lstm,
            }
            for critic_lstm in CRITIC_LSTMS
        ),
    ],
)
def test_sampler_matches_converter(params):
    params = {
        "learning_rate": 1e-3,
        "n_steps": 32,
        "one_minus_gamma": 0.01,
        "net_arch": "tiny",
        "activation_fn": "relu",
        "ent_coef": 1e-3,
        "max_grad_norm": 1.0,
        **params,
    }
    sampled = sample_reinforce_lstm_params(optuna.trial.FixedTrial(params), 0, 1, {})
    assert sampled == convert_reinforce_lstm_params(params)
    assert sampled["gamma"] == pytest.approx(0.99)
    expected_lstm = CRITIC_LSTMS[params["critic_lstm"]] if "critic_lstm" in params else {}
    assert sampled["policy_kwargs"] == {
        "net_arch": dict(pi=[64], vf=[64]),
        "activation_fn": rl_zoo3.hyperparams_opt.nn.ReLU,
        "lstm_hidden_size": params["lstm_hidden_size"],
        **expected_lstm,
    }
    model = RecurrentREINFORCE("MlpLstmPolicy", CueRecallEnv(gap=2), **sampled)
    assert model.policy.lstm_actor.hidden_size == params["lstm_hidden_size"] and model.baseline == params["baseline"]
    if "critic_lstm" in params:
        assert (model.policy.lstm_critic is not None) == expected_lstm["enable_critic_lstm"]
        assert model.policy.shared_lstm == expected_lstm["shared_lstm"]


def test_sampled_trials_build_models_and_never_draw_bootstrap_truncated():
    """Random trials cover the sampler's space: each draws only RecurrentREINFORCE's keys and builds a model."""
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    allowed = constructor_keys(RecurrentREINFORCE)
    critic_lstms = set()
    for _ in range(12):
        trial = study.ask()
        sampled = sample_reinforce_lstm_params(trial, 0, 1, {})
        assert set(sampled) <= allowed and "bootstrap_truncated" not in sampled
        critic_lstms.add(trial.params.get("critic_lstm"))
        model = RecurrentREINFORCE("MlpLstmPolicy", CueRecallEnv(gap=2), **sampled)
        assert model.policy.lstm_actor.hidden_size == trial.params["lstm_hidden_size"]
        study.tell(trial, 0.0)
    assert len(critic_lstms) >= 2  # the space was explored, with the value baseline among the draws


def test_readme_names_every_shipped_entry_and_the_refused_keys():
    """The RL Zoo page's reinforce_lstm section names every shipped entry and keys that RecurrentREINFORCE refuses."""
    page = (REPO / "docs" / "guide" / "rl_zoo.md").read_text()
    match = re.search(r"## Recurrent policies: `--algo reinforce_lstm`\n(.*?)\n## ", page, re.DOTALL)
    assert match, "the RL Zoo page's reinforce_lstm section is missing"
    section = match.group(1)
    for entry in SHIPPED_ENTRIES:
        assert f"`{entry}`" in section, entry
    for key in re.findall(r"key such as `(\w+)` or `(\w+)`", section)[0]:
        assert key not in constructor_keys(RecurrentREINFORCE) | ZOO_KEYS, key
    assert "--algo reinforce_lstm --env CartPoleNoVel-v1" in section and "enjoy --algo reinforce_lstm" in section
