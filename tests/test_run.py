"""Smoke runs of REINFORCE on every supported action and observation space, with every option."""

import numpy as np
import pytest
from gymnasium import spaces
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.envs import (
    FakeImageEnv,
    IdentityEnv,
    IdentityEnvBox,
    IdentityEnvMultiBinary,
    IdentityEnvMultiDiscrete,
    SimpleMultiObsEnv,
)
from stable_baselines3.common.vec_env import SubprocVecEnv

from sb3_reinforce import REINFORCE
from tests.envs import BoxActionEnv


@pytest.mark.parametrize(
    "env_class",
    [
        lambda: IdentityEnv(dim=3, ep_length=20),
        lambda: IdentityEnvBox(ep_length=20),
        lambda: IdentityEnvMultiDiscrete(dim=2, ep_length=20),
        lambda: IdentityEnvMultiBinary(dim=3, ep_length=20),
    ],
    ids=["Discrete", "Box", "MultiDiscrete", "MultiBinary"],
)
@pytest.mark.parametrize("baseline", ["none", "value"])
def test_action_spaces(env_class, baseline):
    env = make_vec_env(env_class, n_envs=2, seed=0)
    model = REINFORCE("MlpPolicy", env, n_steps=8, baseline=baseline, seed=0)
    model.learn(200)
    assert model.num_timesteps >= 200
    assert model.logger.name_to_value["train/n_updates"] >= 1


@pytest.mark.parametrize("sde_sample_freq", [-1, 4])
def test_gsde(sde_sample_freq):
    env = make_vec_env(lambda: IdentityEnvBox(ep_length=20), n_envs=2, seed=0)
    model = REINFORCE("MlpPolicy", env, n_steps=8, use_sde=True, sde_sample_freq=sde_sample_freq, seed=0)
    model.learn(200)


def test_cnn_policy():
    env = make_vec_env(lambda: FakeImageEnv(screen_height=40, screen_width=40, n_channels=1), n_envs=2, seed=0)
    model = REINFORCE("CnnPolicy", env, n_steps=8, seed=0, policy_kwargs={"features_extractor_kwargs": {"features_dim": 16}})
    model.learn(100)


@pytest.mark.parametrize("discrete_actions", [True, False])
def test_dict_observations(discrete_actions):
    env = make_vec_env(lambda: SimpleMultiObsEnv(random_start=True, discrete_actions=discrete_actions), n_envs=2, seed=0)
    model = REINFORCE("MultiInputPolicy", env, n_steps=8, seed=0)
    model.learn(300)
    assert isinstance(model.observation_space, spaces.Dict)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"normalize_advantage": False},
        {"normalize_advantage": True, "baseline": "none"},
        {"use_gamma_t": True, "gamma": 0.95},
        {"baseline": "value", "bootstrap_truncated": True},
        {"ent_coef": 0.01, "max_grad_norm": float("inf")},
        {"reset_between_rollouts": False},
        {"learning_rate": lambda progress: 1e-3 * progress},
        {"gamma": 0.0},
    ],
)
def test_options(kwargs):
    model = REINFORCE("MlpPolicy", "CartPole-v1", n_steps=16, seed=0, **kwargs)
    model.learn(500)
    assert np.isfinite(model.logger.name_to_value["train/policy_loss"])


def test_string_env_and_defaults():
    model = REINFORCE("MlpPolicy", "Pendulum-v1", seed=0)
    model.learn(400)
    assert "train/std" in model.logger.name_to_value


def test_subproc_vec_env():
    env = make_vec_env("CartPole-v1", n_envs=2, seed=0, vec_env_cls=SubprocVecEnv)
    model = REINFORCE("MlpPolicy", env, n_steps=8, seed=0)
    model.learn(300)
    env.close()
    assert model.num_timesteps >= 300


@pytest.mark.parametrize("shape", [(1,), (3,), (2, 2), (2, 1, 3)])
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"use_sde": True}, {"use_sde": True, "policy_kwargs": {"squash_output": True}}],
    ids=["gaussian", "gsde", "gsde-squashed"],
)
def test_box_action_shapes(tmp_path, shape, kwargs):
    """Box actions of every shape reach the env shaped and within bounds (BoxActionEnv raises otherwise),
    in training, in predict() and after save/load, as SB3 handles them."""
    env = make_vec_env(lambda: BoxActionEnv(shape), n_envs=2, seed=0)
    model = REINFORCE("MlpPolicy", env, n_steps=8, seed=0, **kwargs)
    model.learn(100)
    assert model.logger.name_to_value["train/n_updates"] >= 1
    assert model.rollout_buffer.actions.shape[1:] == (2, int(np.prod(shape)))
    obs = env.reset()
    for deterministic in (True, False):
        action, _ = model.predict(obs, deterministic=deterministic)
        assert action.shape == (2, *shape)
        assert all(env.action_space.contains(a) for a in action)
    model.save(tmp_path / "model.zip")
    loaded = REINFORCE.load(tmp_path / "model.zip", env=env)
    np.testing.assert_array_equal(loaded.predict(obs, deterministic=True)[0], model.predict(obs, deterministic=True)[0])
    loaded.learn(50)
