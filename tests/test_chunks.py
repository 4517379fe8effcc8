"""
The update is one gradient step on the whole rollout, computed chunk by chunk (``chunk_size``): the chunks'
gradients add up to the whole batch's, whatever the baseline, normalisation, gamma^t and entropy settings, and
for MaskableREINFORCE. Observations stay in their space's dtype (uint8 frames stay uint8) until a chunk is put
through the network.
"""

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from gymnasium import spaces
from sb3_contrib.common.envs import InvalidActionEnvDiscrete
from stable_baselines3.common.env_util import make_vec_env

from sb3_reinforce import REINFORCE, MaskableREINFORCE
from sb3_reinforce.buffers import index_samples
from sb3_reinforce.reinforce import CHUNK_OBS_VALUES

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CHUNK = 7  # smaller than every rollout below, and no divisor of its size: the last chunk is short


class TinyFramesEnv(gym.Env):
    """36x36x1 uint8 frames (the smallest NatureCNN takes), 3 actions, 12-step episodes."""

    observation_space = spaces.Box(0, 255, (36, 36, 1), np.uint8)
    action_space = spaces.Discrete(3)

    def __init__(self):
        self.frames = np.random.default_rng(0).integers(0, 256, (12, 36, 36, 1), dtype=np.uint8)
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return self.frames[0], {}

    def step(self, action):
        self.t += 1
        return self.frames[self.t % 12], float(action == self.t % 3), False, self.t >= 12, {}


def rollout(algo, env_id, n_envs: int, **kwargs):
    """A model (with a non-trivial policy) and the trainable steps of one rollout."""
    model = algo("MlpPolicy", make_vec_env(env_id, n_envs=n_envs, seed=0), n_steps=16, seed=0, device="cpu", **kwargs)
    _, callback = model._setup_learn(10**6, None)
    if model.baseline_estimator is not None:  # a baseline fitted on an earlier rollout, so that b != 0
        assert model.collect_rollouts(model.env, callback, model.rollout_buffer, model.n_steps)
        model.fit_baseline(next(model.rollout_buffer.get()))
    assert model.collect_rollouts(model.env, callback, model.rollout_buffer, model.n_steps)
    return model, next(model.rollout_buffer.get())


def gradient(model) -> th.Tensor:
    return th.cat([p.grad.flatten() for p in model.policy.parameters() if p.grad is not None])


def whole_and_chunked(model, data) -> tuple[th.Tensor, dict, th.Tensor, dict]:
    """The gradient of the whole batch's loss in one pass, and accumulated over chunks of CHUNK steps."""
    # The direction-unbiased normalisations use (and update) moving averages of the earlier batches' statistics
    statistics = {"_advantage_statistics": (1.5, 2.0), "_return_statistics": (20.0, 30.0)}
    model.__dict__.update(statistics)
    model.policy.zero_grad()
    loss, logs = model.compute_loss(data)
    loss.backward()
    whole = gradient(model)
    model.__dict__.update(statistics)
    model.chunk_size = CHUNK
    model.policy.zero_grad()
    chunked_logs = model.accumulate_gradient(data)
    return whole, {**logs, "loss": loss.item()}, gradient(model), chunked_logs


def assert_float_close(chunked: th.Tensor, whole: th.Tensor) -> None:
    """Equal up to float32 rounding of sums taken in another order (relative to the gradient's largest entry)."""
    th.testing.assert_close(chunked, whole, rtol=1e-4, atol=1e-6 * whole.abs().max().item())


SETTINGS = [
    {"baseline": "none", "normalize_advantage": False},
    {"baseline": "none", "normalize_advantage": True},
    {"baseline": "none", "normalize_advantage": "unbiased"},
    {"baseline": "value", "normalize_advantage": "unbiased", "ent_coef": 0.05},
    {"baseline": "value", "normalize_advantage": "returns", "use_gamma_t": True, "gamma": 0.9},
    {"baseline": "linear", "normalize_advantage": True, "ent_coef": 0.1, "use_gamma_t": True, "gamma": 0.9},
    {"baseline": "linear", "normalize_advantage": "unbiased", "use_gamma_t": True, "gamma": 0.95},
    {"baseline": "value", "normalize_advantage": "unbiased_returns"},
]


@pytest.mark.parametrize("n_envs", [1, 3])
@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(f"{k}={v}" for k, v in s.items()))
@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_chunked_gradient_equals_whole_batch(env_id, settings, n_envs):
    model, data = rollout(REINFORCE, env_id, n_envs, **settings)
    assert len(data.returns) > 2 * CHUNK
    whole, logs, chunked, chunked_logs = whole_and_chunked(model, data)
    assert whole.abs().max() > 0
    assert_float_close(chunked, whole)
    for key in ("loss", "policy_loss", "entropy_loss", "return_mean"):
        assert chunked_logs[key] == pytest.approx(logs[key], rel=1e-5, abs=1e-7), key


@pytest.mark.parametrize(
    "settings", [*SETTINGS[1:4], SETTINGS[-1]], ids=["batch", "unbiased", "value-unbiased-entropy", "value-unbiased-returns"]
)
def test_chunked_gradient_equals_whole_batch_masked(settings):
    env = make_vec_env(InvalidActionEnvDiscrete, n_envs=2, seed=0, env_kwargs={"dim": 6, "n_invalid_actions": 3})
    model = MaskableREINFORCE("MlpPolicy", env, n_steps=24, seed=0, device="cpu", **settings)
    _, callback = model._setup_learn(10**6, None)
    assert model.collect_rollouts(model.env, callback, model.rollout_buffer, model.n_steps)
    data = next(model.rollout_buffer.get())
    assert (data.action_masks == 0).any() and len(data.returns) > 2 * CHUNK
    whole, logs, chunked, chunked_logs = whole_and_chunked(model, data)
    assert_float_close(chunked, whole)
    assert chunked_logs["entropy_loss"] == pytest.approx(logs["entropy_loss"], rel=1e-5)


def test_chunk_size_default():
    """None sizes chunks from the observation space: one chunk for a small vector observation, 2^24 values per
    chunk for frames (594 steps of 84x84x4)."""
    model, data = rollout(REINFORCE, "CartPole-v1", 2)
    assert model._chunks(data) == [slice(0, 2**16)]
    frames = REINFORCE("CnnPolicy", make_vec_env(TinyFramesEnv, n_envs=2, seed=0), n_steps=4, seed=0)
    assert frames._chunks(data)[0] == slice(0, CHUNK_OBS_VALUES // (36 * 36))
    frames.chunk_size = 5
    assert frames._chunks(data)[:2] == [slice(0, 5), slice(5, 10)]


def test_frames_stay_uint8_and_cnn_chunks_match():
    """The buffer and the samples keep uint8 frames; the CNN's chunked gradient equals the whole batch's."""
    model = REINFORCE("CnnPolicy", make_vec_env(TinyFramesEnv, n_envs=2, seed=0), n_steps=4, seed=0, device="cpu")
    _, callback = model._setup_learn(10**6, None)
    assert model.collect_rollouts(model.env, callback, model.rollout_buffer, model.n_steps)
    assert model.rollout_buffer.observations.dtype == np.uint8
    data = next(model.rollout_buffer.get())
    assert data.observations.dtype == th.uint8
    chunk = index_samples(data, slice(0, 3))
    assert chunk.observations.shape == (3, 1, 36, 36) and len(chunk.returns) == 3  # SB3 transposes to channels first
    whole, _, chunked, _ = whole_and_chunked(model, data)
    assert_float_close(chunked, whole)


def test_learn_with_chunks_matches_learn_without():
    """learn() with small chunks takes the same steps as with one chunk (up to float rounding)."""
    params = []
    for chunk_size in (None, CHUNK):
        model = REINFORCE("MlpPolicy", make_vec_env("CartPole-v1", n_envs=2, seed=0), n_steps=8, seed=0, chunk_size=chunk_size)
        model.learn(600)
        params.append(th.cat([p.detach().flatten() for p in model.policy.parameters()]))
    th.testing.assert_close(params[0], params[1], rtol=1e-4, atol=1e-5)
