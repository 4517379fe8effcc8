"""
Saving and loading: identical predictions, the learned baseline restored, training continued; the class and
version that saved a file are recorded, and files of other classes, algorithms and versions are refused clearly.
"""

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch as th
from sb3_contrib import MaskablePPO
from sb3_contrib.common.envs import InvalidActionEnvDiscrete
from stable_baselines3 import A2C, PPO
from stable_baselines3.common.env_util import make_vec_env

import sb3_reinforce
from sb3_reinforce import REINFORCE, MaskableREINFORCE, RecurrentREINFORCE
from sb3_reinforce.save_util import MARKER_KEY

# Saved by sb3-reinforce 0.1.0 at commit 2437079, before the value baseline got its own optimiser (git archive
# 2437079 sb3_reinforce): REINFORCE("MlpPolicy", make_vec_env("CartPole-v1", n_envs=2, seed=0), n_steps=8,
# baseline="value", seed=0, policy_kwargs=dict(net_arch=[8])), learn(64), save
FILE_0_1_0 = Path(__file__).parent / "data" / "reinforce-0.1.0-value-baseline.zip"


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
@pytest.mark.parametrize("baseline", ["none", "value", "linear"])
def test_save_load(tmp_path, env_id, baseline):
    env = make_vec_env(env_id, n_envs=2, seed=0)
    model = REINFORCE("MlpPolicy", env, n_steps=16, baseline=baseline, use_gamma_t=True, seed=0)
    model.learn(1_000)
    observations = np.stack([env.observation_space.sample() for _ in range(20)])
    actions, _ = model.predict(observations, deterministic=True)
    values = model.policy.predict_values(model.policy.obs_to_tensor(observations)[0]).detach()
    params = {name: tensor.clone() for name, tensor in model.policy.state_dict().items()}

    model.save(tmp_path / "reinforce.zip")
    loaded = REINFORCE.load(tmp_path / "reinforce.zip", env=env)

    loaded_actions, _ = loaded.predict(observations, deterministic=True)
    np.testing.assert_array_equal(actions, loaded_actions)
    for name, tensor in loaded.policy.state_dict().items():
        th.testing.assert_close(tensor, params[name], msg=name)
    th.testing.assert_close(loaded.policy.predict_values(loaded.policy.obs_to_tensor(observations)[0]), values)
    assert loaded.baseline == baseline and loaded.use_gamma_t and loaded.n_steps == 16
    assert isinstance(loaded.policy.optimizer, th.optim.Adam)
    assert loaded.policy.optimizer.state_dict()["state"], "the optimizer's moments are restored"
    # The moving averages of the default normalize_advantage="unbiased" go on from where they were (SB3 saves the
    # (mean, variance) pairs as JSON lists)
    assert model._advantage_statistics is not None and model._return_statistics is not None
    assert list(loaded._advantage_statistics) == list(model._advantage_statistics)
    assert list(loaded._return_statistics) == list(model._return_statistics)
    # The baseline's own state: the linear coefficients, the critic's optimizer
    if baseline == "none":
        assert loaded.baseline_estimator is None
    else:
        saved_state = model.baseline_estimator.state_dict()
        assert_states_equal(loaded.baseline_estimator.state_dict(), saved_state)
        if baseline == "value":
            assert saved_state["optimizer"]["state"], "the critic optimizer's moments are saved"
        else:
            assert th.count_nonzero(saved_state["coefficients"]) > 0, "the linear baseline was fitted"
        data = next(model.rollout_buffer.get())
        th.testing.assert_close(
            loaded.baseline_estimator.predict(loaded.policy, data.observations, data.episode_steps),
            model.baseline_estimator.predict(model.policy, data.observations, data.episode_steps),
        )

    # Training goes on after loading, counting on from the saved num_timesteps: the env's Monitors count the steps
    steps_before = sum(env.env_method("get_total_steps"))
    loaded.learn(500, reset_num_timesteps=False)
    new_steps = sum(env.env_method("get_total_steps")) - steps_before
    assert new_steps >= 500
    assert loaded.num_timesteps == model.num_timesteps + new_steps
    assert loaded._n_updates > model._n_updates


def assert_states_equal(loaded, saved) -> None:
    """Nested state dicts (tensors, numbers, lists, dicts) are equal and not empty."""
    if isinstance(saved, th.Tensor):
        th.testing.assert_close(loaded, saved)
    elif isinstance(saved, dict):
        assert loaded.keys() == saved.keys()
        for key in saved:
            assert_states_equal(loaded[key], saved[key])
    elif isinstance(saved, list):
        for loaded_item, saved_item in zip(loaded, saved, strict=True):
            assert_states_equal(loaded_item, saved_item)
    else:
        assert loaded == saved


def test_set_env(tmp_path):
    first_env = make_vec_env("CartPole-v1", n_envs=2, seed=0)
    model = REINFORCE("MlpPolicy", first_env, n_steps=16, seed=0)
    model.learn(200)
    first_steps = model.num_timesteps
    # The envs' Monitors count the steps each env took
    assert sum(first_env.env_method("get_total_steps")) == first_steps
    second_env = make_vec_env("CartPole-v1", n_envs=2, seed=1)
    model.set_env(second_env)
    model.learn(200, reset_num_timesteps=False)
    # Every step after set_env was taken in the new env, and counted on from the first learn()
    assert sum(first_env.env_method("get_total_steps")) == first_steps
    second_steps = sum(second_env.env_method("get_total_steps"))
    assert second_steps >= 200
    assert model.num_timesteps == first_steps + second_steps


def saved_data(path) -> dict:
    """The zip's data JSON as SB3 stored it."""
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("data"))


@pytest.mark.parametrize("algo_class", [REINFORCE, MaskableREINFORCE])
def test_save_records_class_and_version(tmp_path, algo_class):
    env = InvalidActionEnvDiscrete(dim=4, n_invalid_actions=1) if algo_class is MaskableREINFORCE else "CartPole-v1"
    model = algo_class("MlpPolicy", env, n_steps=4)
    model.save(tmp_path / "model.zip")
    stream = io.BytesIO()
    model.save(stream)
    expected = {"class": algo_class.__name__, "version": sb3_reinforce.__version__}
    assert saved_data(tmp_path / "model.zip")[MARKER_KEY] == expected
    assert saved_data(stream)[MARKER_KEY] == expected
    # The marker describes the file: neither the saved model nor the loaded one keeps it
    assert MARKER_KEY not in model.__dict__
    stream.seek(0)
    assert MARKER_KEY not in algo_class.load(stream).__dict__
    assert MARKER_KEY not in algo_class.load(tmp_path / "model").__dict__  # SB3 adds the missing .zip


@pytest.mark.parametrize(
    ("other_class", "env"),
    [(A2C, "CartPole-v1"), (PPO, "CartPole-v1"), (MaskablePPO, InvalidActionEnvDiscrete(dim=4, n_invalid_actions=1))],
)
@pytest.mark.parametrize("algo_class", [REINFORCE, MaskableREINFORCE])
def test_load_refuses_a_model_of_another_algorithm(tmp_path, algo_class, other_class, env):
    # Before: an A2C model loaded silently as REINFORCE (n_steps 5), a PPO one failed on gae_lambda
    other_class("MlpPolicy", env).save(tmp_path / "other.zip")
    name = other_class.__name__
    message = (
        rf"holds a model of another algorithm \({name}, judging by its parameters; policy .*\), saved by "
        rf"Stable-Baselines3 .* without sb3-reinforce's '_sb3_reinforce' marker\. {algo_class.__name__}\.load loads "
        rf"only models saved by {algo_class.__name__}\.save: use {name}\.load"
    )
    with pytest.raises(ValueError, match=message):
        algo_class.load(tmp_path / "other.zip")


def test_load_refuses_a_file_of_version_0_1_0():
    # Before: "Names of parameters do not match agents' parameters" from SB3's set_parameters
    message = (
        r"holds a REINFORCE model saved by sb3-reinforce 0\.1\.0 \(whose files record no version\); this is "
        r"sb3-reinforce 0\.2\.0, which cannot load files of sb3-reinforce 0\.1\.0: in 0\.2\.0, the value baseline "
        r"got its own optimiser .* Retrain the model with sb3-reinforce 0\.2\.0, or load it with sb3-reinforce 0\.1\.0"
    )
    with pytest.raises(ValueError, match=message):
        REINFORCE.load(FILE_0_1_0)
    with pytest.raises(ValueError, match=message):
        MaskableREINFORCE.load(FILE_0_1_0)


def test_reinforce_and_maskable_reinforce_load_only_their_own_files(tmp_path):
    """By design each class loads only what it saved: their policies differ (SB3's, sb3-contrib's maskable one)."""
    REINFORCE("MlpPolicy", "CartPole-v1", n_steps=4).save(tmp_path / "reinforce.zip")
    MaskableREINFORCE("MlpPolicy", InvalidActionEnvDiscrete(dim=4, n_invalid_actions=1), n_steps=4).save(tmp_path / "mask")
    version = sb3_reinforce.__version__.replace(".", r"\.")
    with pytest.raises(
        ValueError,
        match=rf"holds a REINFORCE model saved by sb3-reinforce {version}, not a MaskableREINFORCE model: "
        r"load it with REINFORCE\.load",
    ):
        MaskableREINFORCE.load(tmp_path / "reinforce.zip")
    with pytest.raises(
        ValueError,
        match=rf"holds a MaskableREINFORCE model saved by sb3-reinforce {version}, not a REINFORCE model: "
        r"load it with MaskableREINFORCE\.load",
    ):
        REINFORCE.load(tmp_path / "mask.zip")
    assert type(REINFORCE.load(tmp_path / "reinforce.zip")) is REINFORCE
    assert type(MaskableREINFORCE.load(tmp_path / "mask.zip")) is MaskableREINFORCE


def small_model(algo_class):
    """A model of each class, built on an env it takes."""
    if algo_class is MaskableREINFORCE:
        return MaskableREINFORCE("MlpPolicy", InvalidActionEnvDiscrete(dim=4, n_invalid_actions=1), n_steps=4)
    policy = "MlpLstmPolicy" if algo_class is RecurrentREINFORCE else "MlpPolicy"
    return algo_class(policy, "CartPole-v1", n_steps=4)


@pytest.mark.parametrize("algo_class", [REINFORCE, MaskableREINFORCE, RecurrentREINFORCE])
def test_load_names_a_missing_file_as_given(tmp_path, algo_class):
    """SB3's error named the path with .zip added ('model.zip.zip'); the base class's load names the user's."""
    name = algo_class.__name__
    path = tmp_path / "nonexistent.zip"
    with pytest.raises(FileNotFoundError) as excinfo:
        algo_class.load(path)
    assert str(excinfo.value) == f"[Errno 2] {name}.load: no such file: {str(path)!r}"
    with pytest.raises(FileNotFoundError) as excinfo:
        algo_class.load(tmp_path / "nonexistent")
    assert str(excinfo.value) == f"[Errno 2] {name}.load: no such file, nor {str(path)!r}: {str(tmp_path / 'nonexistent')!r}"


@pytest.mark.parametrize(
    "damage, problem",
    [
        (lambda raw: b"", r"it is not a complete zip archive \(BadZipFile: "),
        # The zip's central directory cut: torch's .pth entries are zips, and the last one passes for the whole file
        (lambda raw: raw[:-100], "it holds no 'data' entry, which every file written by save has"),
        (lambda raw: raw[:-1], r"it is not a complete zip archive \(BadZipFile: "),
        (lambda raw: raw[:2000] + bytes([raw[2000] ^ 0xFF]) + raw[2001:], r"its entry '.*' fails its CRC check"),
    ],
    ids=["empty", "directory-cut", "last-byte-cut", "byte-flipped"],
)
@pytest.mark.parametrize("algo_class", [REINFORCE, MaskableREINFORCE, RecurrentREINFORCE])
def test_load_names_a_truncated_or_corrupt_file(tmp_path, algo_class, damage, problem):
    """SB3's load failed on ``AssertionError: No data found in the saved file``, or said "wasn't a zip-file"."""
    small_model(algo_class).save(tmp_path / "model.zip")
    path = tmp_path / "damaged.zip"
    path.write_bytes(damage((tmp_path / "model.zip").read_bytes()))
    message = rf"The file '{path}' is truncated or corrupt, or was not written by save: {problem}.*{algo_class.__name__}\.load"
    with pytest.raises(ValueError, match=message):
        algo_class.load(path)
    stream = io.BytesIO(path.read_bytes())
    with pytest.raises(ValueError, match=f"The stream is truncated or corrupt, or was not written by save: {problem}"):
        algo_class.load(stream)
