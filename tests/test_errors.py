"""Bad hyperparameters, unsupported spaces and envs that never end get clear errors."""

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from gymnasium import spaces
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.envs import FakeImageEnv

from sb3_reinforce import REINFORCE, MaskableREINFORCE, RecurrentREINFORCE
from tests.envs import NeverEndingEnv

# The accepted values, as the ValueError lists them
NORMALIZE_ADVANTAGE_ERROR = r"normalize_advantage must be one of \(False, True, 'returns', 'unbiased', 'unbiased_returns'\)"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_steps": 0}, r"n_steps must be in \[1, inf\], got n_steps=0"),
        ({"chunk_size": 0}, r"chunk_size must be in \[1, inf\], got chunk_size=0"),
        ({"chunk_size": 64.0}, r"chunk_size must be an integer in \[1, inf\], got chunk_size=64.0 \(float\)"),
        ({"gamma": 1.5}, r"gamma must be in \[0.0, 1.0\], got gamma=1.5"),
        ({"gamma": -0.1}, r"gamma must be in \[0.0, 1.0\]"),
        ({"gamma": float("nan")}, r"gamma must be in \[0.0, 1.0\], got gamma=nan"),
        ({"ent_coef": -0.01}, r"ent_coef must be in \[0.0, inf\]"),
        ({"vf_coef": -1}, r"vf_coef must be in \[0.0, inf\]"),
        ({"max_grad_norm": 0}, r"max_grad_norm must be in \(0.0, inf\]"),
        ({"learning_rate": 0}, r"learning_rate must be in \(0.0, inf\]"),
        ({"learning_rate": -1e-3}, r"learning_rate must be in \(0.0, inf\]"),
        ({"n_steps": 8, "max_rollout_steps": 4}, r"max_rollout_steps must be in \[8, inf\]"),
        ({"baseline": "critic"}, r"baseline must be one of \('none', 'value', 'linear'\), got baseline='critic'"),
        ({"vf_learning_rate": 0}, r"vf_learning_rate must be in \(0.0, inf\]"),
        ({"vf_n_epochs": 0}, r"vf_n_epochs must be in \[1, inf\]"),
        ({"vf_batch_size": 0}, r"vf_batch_size must be in \[1, inf\]"),
        ({"vf_max_grad_norm": -1.0}, r"vf_max_grad_norm must be in \(0.0, inf\]"),
        (
            {"normalize_advantage": "std"},
            NORMALIZE_ADVANTAGE_ERROR + r", got normalize_advantage='std'",
        ),
        ({"baseline": "none", "bootstrap_truncated": True}, r"bootstrap_truncated=True needs baseline='value'"),
        # Values of the wrong type get the same message, naming the parameter, not numpy's bare TypeError
        ({"n_steps": 2.5}, r"n_steps must be an integer in \[1, inf\], got n_steps=2.5 \(float\)"),
        ({"n_steps": "16"}, r"n_steps must be an integer in \[1, inf\], got n_steps='16' \(str\)"),
        ({"n_steps": True}, r"n_steps must be an integer in \[1, inf\], got n_steps=True \(bool\)"),
        ({"n_steps": None}, r"n_steps must be an integer in \[1, inf\], got n_steps=None \(NoneType\)"),
        ({"max_rollout_steps": 1e5}, r"max_rollout_steps must be an integer in \[16, inf\], got max_rollout_steps=100000.0"),
        ({"gamma": "0.99"}, r"gamma must be a number in \[0.0, 1.0\], got gamma='0.99' \(str\)"),
        ({"learning_rate": "3e-3"}, r"learning_rate must be a number in \(0.0, inf\], got learning_rate='3e-3' \(str\)"),
        ({"ent_coef": [0.01]}, r"ent_coef must be a number in \[0.0, inf\], got ent_coef=\[0.01\] \(list\)"),
        ({"sde_sample_freq": 2.0}, r"sde_sample_freq must be an integer in \[-1, inf\], got sde_sample_freq=2.0"),
        ({"stats_window_size": 0}, r"stats_window_size must be in \[1, inf\], got stats_window_size=0"),
        (
            {"normalize_advantage": "False"},
            NORMALIZE_ADVANTAGE_ERROR + r", got normalize_advantage='False'",
        ),
        # 1 == True, but only a bool or one of the names is accepted
        (
            {"normalize_advantage": 1},
            NORMALIZE_ADVANTAGE_ERROR + r", got normalize_advantage=1$",
        ),
        ({"vf_n_epochs": 2.5}, r"vf_n_epochs must be an integer in \[1, inf\], got vf_n_epochs=2.5"),
        ({"use_gamma_t": 1}, r"use_gamma_t must be True or False, got use_gamma_t=1 \(int\)"),
        ({"use_sde": None}, r"use_sde must be True or False, got use_sde=None"),
    ],
)
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        REINFORCE("MlpPolicy", "CartPole-v1", **kwargs)


@pytest.mark.parametrize("kwargs", [{"n_steps": np.int64(8), "gamma": np.float32(0.9)}, {"learning_rate": 1, "gamma": 1}])
def test_numpy_and_integer_values_are_accepted(kwargs):
    REINFORCE("MlpPolicy", "CartPole-v1", **kwargs)


def test_linear_baseline_refuses_images():
    env = FakeImageEnv(screen_height=40, screen_width=40, n_channels=1)
    with pytest.raises(ValueError, match=r"baseline='linear' needs vector observations.*use baseline='value'"):
        REINFORCE("CnnPolicy", env, baseline="linear")


def test_never_ending_env_raises_instead_of_hanging():
    model = REINFORCE("MlpPolicy", NeverEndingEnv(), n_steps=4, max_rollout_steps=200)
    with pytest.raises(RuntimeError, match=r"max_rollout_steps=200 .*TimeLimit.*max_episode_steps"):
        model.learn(1_000)
    assert model.num_timesteps == 200


def test_time_limit_is_the_fix():
    env = gym.wrappers.TimeLimit(NeverEndingEnv(), max_episode_steps=50)
    model = REINFORCE("MlpPolicy", env, n_steps=4, max_rollout_steps=200)
    model.learn(300)


class NanRewardEnv(NeverEndingEnv):
    def step(self, action):
        obs, _, _, _, info = super().step(action)
        return obs, float("nan"), True, False, info


def test_nan_rewards_raise():
    model = REINFORCE("MlpPolicy", NanRewardEnv(), n_steps=4, normalize_advantage=False)
    with pytest.raises(ValueError, match="non-finite"):
        model.learn(100)


class TupleActionEnv(NeverEndingEnv):
    def __init__(self):
        super().__init__()
        self.action_space = spaces.Tuple((spaces.Discrete(2), spaces.Discrete(2)))


@pytest.mark.parametrize("algo_class", [REINFORCE, MaskableREINFORCE, RecurrentREINFORCE])
def test_unsupported_action_space(algo_class):
    """Named, with the spaces the class takes (SB3's assertion listed their classes' reprs)."""
    accepted = "Discrete, MultiDiscrete, MultiBinary"
    if algo_class is not MaskableREINFORCE:
        accepted = "Box, " + accepted
    policy = "MlpLstmPolicy" if algo_class is RecurrentREINFORCE else "MlpPolicy"
    message = (
        rf"{algo_class.__name__} does not take the env's action space Tuple\(Discrete\(2\), Discrete\(2\)\) \(Tuple\); "
        rf"it takes {accepted} action spaces"
    )
    with pytest.raises(ValueError, match=message):
        algo_class(policy, TupleActionEnv())


def test_unknown_policy():
    with pytest.raises(ValueError, match="Policy 'LstmPolicy' unknown to REINFORCE, which takes 'MlpPolicy', 'CnnPolicy'"):
        REINFORCE("LstmPolicy", "CartPole-v1")


@pytest.mark.parametrize(
    "algo, policy, owners",
    [
        (REINFORCE, "MlpLstmPolicy", "RecurrentREINFORCE: use that class"),
        (MaskableREINFORCE, "CnnLstmPolicy", "RecurrentREINFORCE: use that class"),
        (RecurrentREINFORCE, "MlpPolicy", "REINFORCE and MaskableREINFORCE: use one of them"),
    ],
)
def test_another_classs_policy_name_points_to_that_class(algo, policy, owners):
    """SB3 says only "Policy X unknown"; a name that another of the package's algorithms takes names that algorithm."""
    message = rf"Policy '{policy}' unknown to {algo.__name__}, .*'{policy}' is a policy of {owners}"
    with pytest.raises(ValueError, match=message):
        algo(policy, "CartPole-v1")


class CorruptObservation(gym.ObservationWrapper):
    """Puts ``value`` into the first observation component of every step after the reset."""

    def __init__(self, env: gym.Env, value: float):
        super().__init__(env)
        self.value = value

    def observation(self, observation):
        return observation

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        obs = obs.copy()
        obs[0] = self.value
        return obs, reward, terminated, truncated, info


@pytest.mark.parametrize(
    "env_id, value, message",
    [
        # NaN logits: the categorical draw fails inside torch, on the first step after the reset
        ("CartPole-v1", float("nan"), r"The observation of env 0, 1 holds non-finite values \(inf or NaN\)"),
        # NaN mean: a Gaussian draw gives NaN actions without failing
        ("Pendulum-v1", float("nan"), r"The observation of env 0, 1 holds non-finite values \(inf or NaN\)"),
        # inf saturates the tanh network, which samples from it: the rollout is refused before its NaN gradient
        (
            "CartPole-v1",
            float("inf"),
            r"The observations hold non-finite values \(inf or NaN\), first that of env 0 at step 1 ",
        ),
    ],
)
def test_non_finite_observations_are_named(env_id, value, message):
    env = make_vec_env(env_id, n_envs=2, wrapper_class=CorruptObservation, wrapper_kwargs={"value": value})
    model = REINFORCE("MlpPolicy", env, n_steps=4)
    with pytest.raises(ValueError, match=message + r".*VecCheckNan"):
        model.learn(100)
    # Nothing was trained on: the parameters are still finite
    assert all(th.isfinite(param).all() for param in model.policy.parameters())


def test_non_finite_parameters_are_named():
    model = REINFORCE("MlpPolicy", make_vec_env("CartPole-v1", n_envs=2), n_steps=4)
    with th.no_grad():
        model.policy.action_net.bias.fill_(float("nan"))
    with pytest.raises(ValueError, match=r"The policy's parameters hold non-finite values .* Lower learning_rate"):
        model.learn(100)


def test_set_env_checks_spaces():
    model = REINFORCE("MlpPolicy", make_vec_env("CartPole-v1", n_envs=1))
    with pytest.raises(ValueError, match="Observation spaces do not match"):
        model.set_env(make_vec_env("Pendulum-v1", n_envs=1))


def test_maskable_policy_needs_maskable_reinforce():
    from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy

    with pytest.raises(ValueError, match=r"subclasses SB3's ActorCriticPolicy.*use MaskableREINFORCE"):
        REINFORCE(MaskableActorCriticPolicy, "CartPole-v1")
