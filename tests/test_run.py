"""Smoke runs of REINFORCE on every supported action and observation space, with every option."""

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from gymnasium import spaces
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.envs import (
    FakeImageEnv,
    IdentityEnv,
    IdentityEnvBox,
    IdentityEnvMultiBinary,
    IdentityEnvMultiDiscrete,
    SimpleMultiObsEnv,
)
from stable_baselines3.common.torch_layers import NatureCNN
from stable_baselines3.common.vec_env import SubprocVecEnv

from sb3_reinforce import REINFORCE
from sb3_reinforce.baselines import LinearFeatureBaseline
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
@pytest.mark.parametrize("baseline", ["none", "value", "linear"])
def test_action_spaces(env_class, baseline):
    env = make_vec_env(env_class, n_envs=2, seed=0)
    model = REINFORCE("MlpPolicy", env, n_steps=8, baseline=baseline, seed=0)
    model.learn(100)
    # Every episode lasts 20 steps and starts with the rollout (the envs are reset between rollouts), so each
    # rollout is one whole episode per env: 2 * 20 steps, and learn(100) stops after the rollout that reaches
    # 100, the 3rd (A2C's rule, n_steps=8 per env, would stop at 112 after 7 rollouts)
    assert model.num_timesteps == 3 * 2 * 20
    assert model._n_updates == 3
    assert model.rollout_buffer.pos == 20
    assert model.rollout_buffer.trainable[:20].all()


class RecordSdeNoise(BaseCallback):
    """
    Counts the gSDE noise resets, and at the end of each rollout (before the update) re-draws the rollout's
    actions with the exploration matrices the policy holds then: with gSDE, a draw is a deterministic function of
    the observation and those matrices, so the steps since the last resampling must be reproduced exactly.
    """

    def __init__(self):
        super().__init__()
        self.n_resets = 0
        self.reproduced: list[np.ndarray] = []

    def _init_callback(self) -> None:
        reset_noise = self.model.policy.reset_noise

        def counting_reset_noise(*args, **kwargs):
            self.n_resets += 1
            return reset_noise(*args, **kwargs)

        self.model.policy.reset_noise = counting_reset_noise

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        buffer = self.model.rollout_buffer
        reproduced = []
        for step in range(buffer.pos):
            with th.no_grad():
                obs = th.as_tensor(buffer.observations[step])
                actions = self.model.policy.get_distribution(obs).get_actions().numpy()
            reproduced.append(np.allclose(actions, buffer.actions[step], rtol=1e-5, atol=1e-6))
        self.reproduced.append(np.array(reproduced))


@pytest.mark.parametrize("sde_sample_freq", [-1, 4])
def test_gsde(sde_sample_freq):
    env = make_vec_env(lambda: IdentityEnvBox(ep_length=20), n_envs=2, seed=0)
    model = REINFORCE("MlpPolicy", env, n_steps=8, use_sde=True, sde_sample_freq=sde_sample_freq, seed=0)
    callback = RecordSdeNoise()
    model.learn(200, callback=callback)
    # Rollouts of one 20-step episode per env (see test_action_spaces): 5 of them
    assert len(callback.reproduced) == 5
    if sde_sample_freq == -1:
        # One noise matrix per rollout, drawn at its start: every action of the rollout comes from it
        assert callback.n_resets == 5
        for reproduced in callback.reproduced:
            assert reproduced.all()
    else:
        # At the start of the rollout, then every 4 steps (steps 0, 4, ..., 16): only the last 4 steps used the
        # matrices held at the end, the others were drawn with earlier ones
        assert callback.n_resets == 5 * (1 + 20 // 4)
        for reproduced in callback.reproduced:
            np.testing.assert_array_equal(reproduced, np.arange(20) >= 16)


class RewardAction(gym.Wrapper):
    """Reward 1 for ``rewarded_action``, 0 for the others, whatever the env pays."""

    def __init__(self, env: gym.Env, rewarded_action: int):
        super().__init__(env)
        self.rewarded_action = rewarded_action

    def step(self, action):
        obs, _, terminated, truncated, info = self.env.step(action)
        return obs, float(action == self.rewarded_action), terminated, truncated, info


def test_cnn_policy():
    # FakeImageEnv's reward is always 0, which gives a zero gradient; rewarding action 0 gives one
    env = make_vec_env(
        lambda: FakeImageEnv(screen_height=40, screen_width=40, n_channels=1),
        n_envs=2,
        seed=0,
        wrapper_class=RewardAction,
        wrapper_kwargs={"rewarded_action": 0},
    )
    model = REINFORCE("CnnPolicy", env, n_steps=8, seed=0, policy_kwargs={"features_extractor_kwargs": {"features_dim": 16}})
    extractor = model.policy.features_extractor
    assert isinstance(extractor, NatureCNN)
    assert model.policy.pi_features_extractor is extractor  # shared with the value head, as SB3's default
    before = [param.clone() for param in extractor.parameters()]
    model.learn(100)
    assert model._n_updates >= 1
    # The policy loss trains the CNN
    for initial, trained in zip(before, extractor.parameters(), strict=True):
        assert not th.equal(initial, trained)


class RecordExplainedVariance(BaseCallback):
    """Before each update, the explained variance of the returns by V(s), computed from the buffer with numpy."""

    def __init__(self):
        super().__init__()
        self.explained_variances: list[float] = []

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        buffer = self.model.rollout_buffer
        trainable = buffer.trainable[: buffer.pos]
        obs = {key: th.as_tensor(value[: buffer.pos][trainable]) for key, value in buffer.observations.items()}
        with th.no_grad():
            values = self.model.policy.predict_values(obs).numpy().flatten().astype(np.float64)
        returns = buffer.returns[: buffer.pos][trainable].astype(np.float64)
        self.explained_variances.append(1.0 - np.var(returns - values) / np.var(returns))


@pytest.mark.parametrize("discrete_actions", [True, False])
def test_dict_observations(discrete_actions):
    env = make_vec_env(lambda: SimpleMultiObsEnv(random_start=True, discrete_actions=discrete_actions), n_envs=2, seed=0)
    model = REINFORCE("MultiInputPolicy", env, n_steps=8, baseline="value", seed=0)
    callback = RecordExplainedVariance()
    model.learn(300, callback=callback)
    assert isinstance(model.observation_space, spaces.Dict)
    assert isinstance(model.rollout_buffer.observations, dict)
    # The logged figure is the last batch's, with the critic fitted on the earlier batches only
    assert len(callback.explained_variances) == model._n_updates
    assert model.logger.name_to_value["train/explained_variance"] == pytest.approx(
        callback.explained_variances[-1], rel=1e-4, abs=1e-5
    )


def test_cnn_value_baseline():
    env = make_vec_env(lambda: FakeImageEnv(screen_height=40, screen_width=40, n_channels=1), n_envs=2, seed=0)
    policy_kwargs = {"features_extractor_kwargs": {"features_dim": 16}, "share_features_extractor": False}
    model = REINFORCE("CnnPolicy", env, n_steps=8, baseline="value", vf_batch_size=8, seed=0, policy_kwargs=policy_kwargs)
    extractor = [param.clone() for param in model.policy.vf_features_extractor.parameters()]
    model.learn(100)
    # With its own features extractor, the critic trains it
    assert any(
        not th.equal(before, after)
        for before, after in zip(extractor, model.policy.vf_features_extractor.parameters(), strict=True)
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"normalize_advantage": False},
        {"normalize_advantage": True, "baseline": "none"},
        {"use_gamma_t": True, "gamma": 0.95},
        {"baseline": "value", "bootstrap_truncated": True},
        {"baseline": "value", "vf_learning_rate": 3e-3, "vf_n_epochs": 2, "vf_batch_size": 32, "vf_max_grad_norm": 1.0},
        {"baseline": "value", "normalize_advantage": "returns"},
        {"baseline": "linear", "normalize_advantage": "returns", "use_gamma_t": True},
        {"baseline": "linear", "normalize_advantage": False},
        {"baseline": "value", "normalize_advantage": "unbiased_returns"},
        {"baseline": "linear", "normalize_advantage": "unbiased_returns", "reset_between_rollouts": False},
        {"ent_coef": 0.01, "max_grad_norm": float("inf")},
        {"reset_between_rollouts": False},
        {"learning_rate": lambda progress: 1e-3 * progress},
        # G_t = r_t = 1 on CartPole: standardised, every weight would be 0 and the policy would not move
        {"gamma": 0.0, "normalize_advantage": False},
    ],
)
def test_options(kwargs):
    model = REINFORCE("MlpPolicy", "CartPole-v1", n_steps=16, seed=0, **kwargs)
    before = [param.clone() for param in model.policy.action_net.parameters()]
    model.learn(500)
    # The updates moved the policy (train() itself raises on a non-finite loss)
    assert any(
        not th.equal(initial, trained) for initial, trained in zip(before, model.policy.action_net.parameters(), strict=True)
    )


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


def test_linear_baseline_features_and_fit():
    """The features of garage's LinearFeatureBaseline on a Dict of a Box and a Discrete space, and an exact fit."""
    space = spaces.Dict({"position": spaces.Box(-20.0, 20.0, shape=(2,)), "mode": spaces.Discrete(3)})
    baseline = LinearFeatureBaseline(space)
    observations = {"position": th.tensor([[-12.0, 0.5], [3.0, -2.0]]), "mode": th.tensor([2, 0])}
    episode_steps = th.tensor([0, 250])
    expected = [
        # clip(s, +-10), clip(s, +-10)^2, t/100, (t/100)^2, (t/100)^3, 1; s: the space's keys in order ("mode"
        # one-hot, then "position": gymnasium sorts the keys)
        [0, 0, 1, -10.0, 0.5, 0, 0, 1, 100.0, 0.25, 0.0, 0.0, 0.0, 1.0],
        [1, 0, 0, 3.0, -2.0, 1, 0, 0, 9.0, 4.0, 2.5, 6.25, 15.625, 1.0],
    ]
    th.testing.assert_close(baseline.features(observations, episode_steps), th.tensor(expected, dtype=th.float64))
    # Before any fit, b = 0; a target linear in the features is fitted (almost) exactly
    rng = np.random.default_rng(0)
    observations = {
        "position": th.tensor(rng.uniform(-5, 5, (200, 2)), dtype=th.float32),
        "mode": th.tensor(rng.integers(0, 3, 200)),
    }
    episode_steps = th.tensor(rng.integers(0, 500, 200))
    np.testing.assert_array_equal(baseline.predict(None, observations, episode_steps).numpy(), 0.0)
    time = episode_steps / 100
    returns = 2.0 * observations["position"][:, 0] ** 2 - observations["position"][:, 1] + 3.0 * time - 0.5 * time**3 + 1.0
    baseline.fit(None, observations, episode_steps, returns.float())
    th.testing.assert_close(baseline.predict(None, observations, episode_steps), returns.float(), atol=1e-3, rtol=1e-4)
