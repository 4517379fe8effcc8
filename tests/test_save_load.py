"""Saving and loading: identical predictions, the learned baseline restored, training continued."""

import numpy as np
import pytest
import torch as th
from stable_baselines3.common.env_util import make_vec_env

from sb3_reinforce import REINFORCE


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
@pytest.mark.parametrize("baseline", ["none", "value"])
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

    # Training goes on after loading
    loaded.learn(500, reset_num_timesteps=False)
    assert loaded.num_timesteps >= model.num_timesteps + 500
    assert loaded._n_updates > model._n_updates


def test_set_env(tmp_path):
    model = REINFORCE("MlpPolicy", make_vec_env("CartPole-v1", n_envs=2, seed=0), n_steps=16, seed=0)
    model.learn(200)
    model.set_env(make_vec_env("CartPole-v1", n_envs=2, seed=1))
    model.learn(200, reset_num_timesteps=False)
    assert model.num_timesteps >= 400
