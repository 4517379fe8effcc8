"""predict() and reproducibility with a seed."""

import numpy as np
import pytest
import torch as th
from stable_baselines3.common.env_util import make_vec_env

from sb3_reinforce import REINFORCE


def trained_params(seed: int, env_id: str = "CartPole-v1") -> dict[str, th.Tensor]:
    model = REINFORCE("MlpPolicy", make_vec_env(env_id, n_envs=2, seed=seed), n_steps=16, seed=seed)
    model.learn(1_000)
    return model.policy.state_dict()


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_same_seed_same_result(env_id):
    first, second = trained_params(3, env_id), trained_params(3, env_id)
    for name in first:
        th.testing.assert_close(first[name], second[name], rtol=0, atol=0, msg=name)
    other = trained_params(4, env_id)
    assert any(not th.equal(first[name], other[name]) for name in first)


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_predict(env_id):
    env = make_vec_env(env_id, n_envs=1, seed=0)
    model = REINFORCE("MlpPolicy", env, seed=0)
    obs = env.reset()
    action, state = model.predict(obs, deterministic=True)
    assert state is None
    assert env.action_space.contains(action[0])
    # Deterministic predictions are repeatable; a single (unbatched) observation works too
    np.testing.assert_array_equal(action, model.predict(obs, deterministic=True)[0])
    single, _ = model.predict(obs[0], deterministic=True)
    np.testing.assert_array_equal(single, action[0])
    # Stochastic predictions vary
    stochastic = {tuple(np.atleast_1d(model.predict(obs)[0][0]).round(6)) for _ in range(30)}
    assert len(stochastic) > 1
