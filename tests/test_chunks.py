"""
The update is one gradient step on the whole rollout, computed chunk by chunk (``chunk_size``): the chunks'
gradients add up to the whole batch's, whatever the baseline, normalisation, gamma^t and entropy settings, and
for MaskableREINFORCE. Observations stay in their space's dtype (uint8 frames stay uint8) until a chunk is put
through the network. RecurrentREINFORCE unrolls an episode longer than a chunk in segments (activation
checkpointing, the LSTM state carried across): its gradient, and its critic's, equal the one-call unroll's.
"""

import numpy as np
import pytest
import torch as th
from sb3_contrib.common.envs import InvalidActionEnvDiscrete
from stable_baselines3.common.env_util import make_vec_env

from sb3_reinforce import REINFORCE, MaskableREINFORCE, RecurrentREINFORCE
from sb3_reinforce.buffers import index_samples
from sb3_reinforce.reinforce import CHUNK_OBS_VALUES
from sb3_reinforce.reinforce_recurrent import sequences
from sb3_reinforce.reinforce_recurrent.baselines import RecurrentValueBaseline
from tests.envs import TinyFramesEnv

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CHUNK = 7  # smaller than every rollout below, and no divisor of its size: the last chunk is short


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


@pytest.fixture
def segments(monkeypatch) -> list[int]:
    """Counts the checkpointed segments that ``sequences.unroll_in_segments`` runs (one entry per segment)."""
    calls: list[int] = []
    original = sequences.checkpoint

    def counting_checkpoint(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(sequences, "checkpoint", counting_checkpoint)
    return calls


SEGMENT = 5  # shorter than the episodes below (the tests assert it: each crosses two segment boundaries)
SMALL_LSTM = {"lstm_hidden_size": 8, "net_arch": [8]}
SMALL_CNN_LSTM = {**SMALL_LSTM, "features_extractor_kwargs": {"features_dim": 16}}


def recurrent_rollout(policy: str, env_id, n_steps: int, **kwargs):
    """A RecurrentREINFORCE model with chunk_size=SEGMENT (a baseline fitted on a first rollout) and its next batch."""
    env = make_vec_env(env_id, n_envs=2, seed=0)
    model = RecurrentREINFORCE(policy, env, n_steps=n_steps, seed=0, device="cpu", chunk_size=SEGMENT, **kwargs)
    _, callback = model._setup_learn(10**6, None)
    if model.baseline_estimator is not None:
        assert model.collect_rollouts(model.env, callback, model.rollout_buffer, model.n_steps)
        model.fit_baseline(next(model.rollout_buffer.get()))
    assert model.collect_rollouts(model.env, callback, model.rollout_buffer, model.n_steps)
    return model, next(model.rollout_buffer.get())


RECURRENT_CASES = [
    ("MlpLstmPolicy", "CartPole-v1", {"baseline": "none", "normalize_advantage": False, "policy_kwargs": SMALL_LSTM}),
    ("MlpLstmPolicy", "CartPole-v1", {"baseline": "value", "ent_coef": 0.05, "policy_kwargs": SMALL_LSTM}),
    (
        "MlpLstmPolicy",
        "CartPole-v1",
        {"baseline": "linear", "normalize_advantage": True, "use_gamma_t": True, "gamma": 0.9, "policy_kwargs": SMALL_LSTM},
    ),
    ("CnnLstmPolicy", TinyFramesEnv, {"baseline": "none", "ent_coef": 0.05, "policy_kwargs": SMALL_CNN_LSTM}),
    (
        "CnnLstmPolicy",
        TinyFramesEnv,
        {"baseline": "value", "policy_kwargs": {**SMALL_CNN_LSTM, "share_features_extractor": False}},
    ),
]
RECURRENT_IDS = ["mlp-none", "mlp-value", "mlp-linear", "cnn-none", "cnn-value-own-extractors"]


@pytest.mark.parametrize("policy, env_id, settings", RECURRENT_CASES, ids=RECURRENT_IDS)
def test_recurrent_segmented_gradient_equals_one_call(policy, env_id, settings, segments):
    """Episodes longer than chunk_size are unrolled in segments of chunk_size steps, each recomputed from the LSTM
    state at its start in the backward pass: the update's gradient (and its logs) equals the one of all the episodes
    put through the LSTM in one call, to float32 rounding. The critic's predictions are segmented with it. Carrying
    the state forward but detaching it (no gradient across segments), or restarting each segment from the zero
    state, fails this test."""
    model, data = recurrent_rollout(policy, env_id, n_steps=30 if policy == "MlpLstmPolicy" else 4, **settings)
    assert int(data.episode_steps.max()) + 1 > 2 * SEGMENT  # every long episode crosses two segment boundaries
    statistics = model._advantage_statistics
    baseline = model.baseline_estimator
    if isinstance(baseline, RecurrentValueBaseline):
        assert baseline.chunk_size == SEGMENT  # the model's bound, passed to its critic

    segments.clear()  # those of the baseline's first fit

    def gradient_and_logs(chunk_size: int | None) -> tuple[th.Tensor, dict]:
        model.chunk_size = chunk_size
        if isinstance(baseline, RecurrentValueBaseline):
            baseline.chunk_size = chunk_size
        model._advantage_statistics = statistics
        model.policy.zero_grad()
        logs = model.accumulate_gradient(data)
        return gradient(model), logs

    one_call, one_call_logs = gradient_and_logs(10**9)  # every episode in one LSTM call
    assert len(model._chunks(data)) == 1 and segments == []
    segmented, segmented_logs = gradient_and_logs(SEGMENT)
    assert len(segments) >= 2 * len(model._chunks(data))  # the segments ran, with gradients
    assert one_call.abs().max() > 0
    assert_float_close(segmented, one_call)
    for key in ("loss", "policy_loss", "entropy_loss", "return_mean"):
        assert segmented_logs[key] == pytest.approx(one_call_logs[key], rel=1e-5, abs=1e-7), key


@pytest.mark.parametrize(
    "policy, env_id, policy_kwargs",
    [
        ("MlpLstmPolicy", "CartPole-v1", {**SMALL_LSTM, "enable_critic_lstm": True}),
        ("MlpLstmPolicy", "CartPole-v1", {**SMALL_LSTM, "shared_lstm": True, "enable_critic_lstm": False}),
        ("MlpLstmPolicy", "CartPole-v1", {**SMALL_LSTM, "enable_critic_lstm": False}),
        ("CnnLstmPolicy", TinyFramesEnv, {**SMALL_CNN_LSTM, "share_features_extractor": False}),
    ],
    ids=["critic-lstm", "shared-lstm", "no-critic-lstm", "cnn-own-extractor"],
)
def test_recurrent_segmented_critic_equals_one_call(policy, env_id, policy_kwargs, segments):
    """The value baseline's critic on episodes longer than chunk_size, in segments: its values and the gradient of
    its regression loss with respect to its own parameters (the LSTM's, and the CNN's when it has its own) equal
    the one-call unroll's, for every critic the policy's flags make, on a minibatch as fit() takes it (the
    batch's episodes in another order, their observations read a segment at a time)."""
    n_steps = 30 if policy == "MlpLstmPolicy" else 4
    model, data = recurrent_rollout(policy, env_id, n_steps=n_steps, baseline="value", policy_kwargs=policy_kwargs)
    assert int(data.episode_steps.max()) + 1 > 2 * SEGMENT
    baseline = model.baseline_estimator
    assert isinstance(baseline, RecurrentValueBaseline)
    parameters = [p for p in baseline.parameters if p.requires_grad]
    segments.clear()  # those of the baseline's first fit

    rows = th.cat([th.arange(start, end) for start, end in reversed(sequences.episode_bounds(data.episode_steps))])

    def values_and_gradient(chunk_size: int | None) -> tuple[th.Tensor, th.Tensor]:
        baseline.chunk_size = chunk_size
        values = baseline.minibatch_values(model.policy, data.observations, data.episode_steps, rows)
        loss = th.nn.functional.mse_loss(values, data.returns[rows])
        grads = th.autograd.grad(loss, parameters, allow_unused=True)
        return values.detach(), th.cat(
            [(th.zeros_like(p) if g is None else g).flatten() for g, p in zip(grads, parameters, strict=True)]
        )

    one_call_values, one_call = values_and_gradient(None)
    assert segments == []
    values, segmented = values_and_gradient(SEGMENT)
    if not model.policy.shared_lstm:  # the actor's LSTM runs without gradient for the shared critic: no checkpoint
        assert len(segments) > 2
    th.testing.assert_close(values, one_call_values, rtol=1e-5, atol=1e-6)
    assert one_call.abs().max() > 0
    assert_float_close(segmented, one_call)
