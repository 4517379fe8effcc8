"""Saving and loading: identical predictions, the learned baseline restored, training continued."""

import numpy as np
import pytest
import torch as th
from stable_baselines3.common.env_util import make_vec_env

from sb3_reinforce import REINFORCE


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
