"""Monte Carlo returns and the choice of trainable steps, on hand-built rollouts with known rewards."""

import numpy as np
import pytest
import torch as th
from stable_baselines3.common.vec_env import DummyVecEnv

from sb3_reinforce import REINFORCE
from sb3_reinforce.buffers import discounted_returns
from tests.envs import ScriptedEnv


def reward_to_go(length: int, gamma: float) -> np.ndarray:
    """G_k for ScriptedEnv's episode of ``length`` steps, whose step k pays k + 1."""
    rewards = np.arange(1, length + 1, dtype=np.float64)
    return np.array([sum(gamma**j * r for j, r in enumerate(rewards[k:])) for k in range(length)])


def test_discounted_returns_by_hand():
    # Two envs, 5 steps. Env 0: episodes [0..1] and [2..4]; env 1: one episode [0..4] (ends at the last row).
    rewards = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [4.0, 4.0], [5.0, 5.0]])
    episode_ends = np.array([[0, 0], [1, 0], [0, 0], [0, 0], [1, 1]])
    returns = discounted_returns(rewards, episode_ends, gamma=0.5)
    expected_env0 = [1 + 0.5 * 2, 2, 3 + 0.5 * 4 + 0.25 * 5, 4 + 0.5 * 5, 5]
    expected_env1 = [
        1 + 0.5 * 2 + 0.25 * 3 + 0.125 * 4 + 0.0625 * 5,
        2 + 0.5 * 3 + 0.25 * 4 + 0.125 * 5,
        3 + 2 + 1.25,
        4 + 2.5,
        5,
    ]
    np.testing.assert_allclose(returns[:, 0], expected_env0)
    np.testing.assert_allclose(returns[:, 1], expected_env1)


def test_discounted_returns_undiscounted_is_reverse_cumsum():
    rng = np.random.default_rng(0)
    rewards = rng.normal(size=(50, 3))
    episode_ends = np.zeros((50, 3))
    episode_ends[-1] = 1
    returns = discounted_returns(rewards, episode_ends, gamma=1.0)
    np.testing.assert_allclose(returns, np.cumsum(rewards[::-1], axis=0)[::-1], rtol=1e-5)


def make_model(lengths_per_env, truncate=False, **kwargs) -> REINFORCE:
    env = DummyVecEnv([lambda lengths=lengths: ScriptedEnv(lengths, truncate=truncate) for lengths in lengths_per_env])
    kwargs = {"n_steps": 4, "gamma": 0.9, "seed": 0, "device": "cpu", **kwargs}
    return REINFORCE("MlpPolicy", env, **kwargs)


def collect(model: REINFORCE, n_rollouts: int = 1):
    _, callback = model._setup_learn(10**9, None)
    for _ in range(n_rollouts):
        assert model.collect_rollouts(model.env, callback, model.rollout_buffer, model.n_steps)
    return model.rollout_buffer


@pytest.mark.parametrize("truncate", [False, True])
@pytest.mark.parametrize("baseline", ["none", "value"])
def test_rollout_returns_and_joining(truncate, baseline):
    """
    n_steps=4. Env 0: an episode of 3 steps, then one of 10 (starts at step 3 < 4: it joins, and runs
    far past n_steps). Env 1: an episode of 7 steps, then episodes of 2 and 7 that start at steps 7 and 9:
    too late to join. The rollout lasts until env 0's second episode ends: 13 steps.
    Time-limit truncations must not add any value bootstrap, even with a value baseline.
    """
    model = make_model([[3, 10], [7, 2]], truncate=truncate, baseline=baseline)
    buffer = collect(model)
    assert buffer.pos == 13
    gamma = model.gamma
    np.testing.assert_allclose(
        buffer.returns[:13, 0], np.concatenate([reward_to_go(3, gamma), reward_to_go(10, gamma)]), rtol=1e-6
    )
    np.testing.assert_allclose(buffer.returns[:7, 1], reward_to_go(7, gamma), rtol=1e-6)
    np.testing.assert_array_equal(buffer.trainable[:13, 0], True)
    np.testing.assert_array_equal(buffer.trainable[:13, 1], [True] * 7 + [False] * 6)
    np.testing.assert_array_equal(buffer.episode_steps[:13, 0], [0, 1, 2, *range(10)])
    np.testing.assert_array_equal(buffer.episode_steps[:7, 1], range(7))
    assert model.logger.name_to_value["rollout/steps_collected"] == 26
    assert model.logger.name_to_value["rollout/steps_discarded"] == 6
    assert model.logger.name_to_value["rollout/batch_episodes"] == 3
    assert model.logger.name_to_value["rollout/batch_ep_rew_mean"] == pytest.approx((6 + 55 + 28) / 3)

    # The batch handed to train(): the 20 trainable steps, with G_t and gamma^t
    data = next(buffer.get())
    assert len(data.returns) == 20
    expected = np.concatenate([reward_to_go(3, gamma), reward_to_go(10, gamma), reward_to_go(7, gamma)])
    np.testing.assert_allclose(np.sort(data.returns.numpy()), np.sort(expected), rtol=1e-6)
    discounts = np.concatenate([gamma ** np.arange(3), gamma ** np.arange(10), gamma ** np.arange(7)])
    np.testing.assert_allclose(np.sort(data.discounts.numpy()), np.sort(discounts), rtol=1e-6)


def test_episode_running_at_rollout_start_never_joins():
    """
    Without resets between rollouts, env 1 is 4 steps into a 7-step episode (started at step 9 of the first
    rollout) when the second rollout starts. Its last 3 steps are not trained on; the next episode starts at
    step 3 < n_steps and joins. Env 0 starts the second rollout with a fresh episode, which joins.
    """
    model = make_model([[3, 10], [7, 2, 7, 2]], gamma=1.0, reset_between_rollouts=False)
    buffer = collect(model, n_rollouts=2)
    # Second rollout: env 0 runs episodes of 3 and 10 again (cycling); env 1 finishes its 7-step episode at
    # step 2, then runs a 2-step episode from step 3 (joins), then a 7-step one from step 5 (does not join).
    assert buffer.pos == 13
    np.testing.assert_array_equal(buffer.trainable[:13, 1], [False] * 3 + [True] * 2 + [False] * 8)
    np.testing.assert_allclose(buffer.returns[3:5, 1], [3.0, 2.0])


def test_reset_between_rollouts_starts_every_env_afresh():
    model = make_model([[3, 10], [7, 2]])
    buffer = collect(model, n_rollouts=2)
    np.testing.assert_array_equal(buffer.episode_starts[0], True)
    np.testing.assert_array_equal(buffer.trainable[:7, 1], True)


def test_opt_in_truncation_bootstrap():
    """With bootstrap_truncated, the last step of a truncated episode adds gamma * V(terminal observation)."""
    model = make_model([[3, 10], [7, 2]], truncate=True, baseline="value", bootstrap_truncated=True, gamma=0.9)
    buffer = collect(model)
    with th.no_grad():
        values = model.policy.predict_values(th.tensor([[3.0], [10.0], [7.0]])).flatten().numpy()
    gamma = model.gamma
    expected_env0 = np.concatenate(
        [
            reward_to_go(3, gamma) + gamma ** np.arange(3, 0, -1) * values[0],
            reward_to_go(10, gamma) + gamma ** np.arange(10, 0, -1) * values[1],
        ]
    )
    np.testing.assert_allclose(buffer.returns[:13, 0], expected_env0, rtol=1e-5)
    np.testing.assert_allclose(
        buffer.returns[:7, 1], reward_to_go(7, gamma) + gamma ** np.arange(7, 0, -1) * values[2], rtol=1e-5
    )


def test_buffer_grows_past_initial_size():
    """An episode 40x longer than n_steps is kept whole (the buffer doubles from n_steps=2)."""
    model = make_model([[80], [3]], n_steps=2, gamma=1.0)
    buffer = collect(model)
    assert buffer.pos == 80
    assert buffer.buffer_size >= 80
    np.testing.assert_allclose(buffer.returns[:80, 0], reward_to_go(80, 1.0))
    np.testing.assert_array_equal(buffer.trainable[:80, 0], True)


def test_learn_runs_past_total_timesteps_by_whole_episodes():
    # 10-step episodes, n_steps=4: each rollout holds one whole episode per env, 10 steps x 2 envs.
    # learn(64) stops after the rollout that reaches 64: 4 rollouts, 80 steps (A2C would stop at 64).
    model = make_model([[10], [10]])
    model.learn(64)
    assert model.num_timesteps == 80


def test_rollout_length_bound_is_reached():
    # Episodes of 3 then 10 steps, n_steps=4: the second episode starts at step 3, the last step at which an
    # episode may join, and runs to step 12. The rollout lasts n_steps - 1 + L = 4 - 1 + 10 = 13 steps per env,
    # the bound that the docstring of n_steps states, so learn(1) collects n_envs * 13 steps.
    model = make_model([[3, 10], [3, 10]])
    model.learn(1)
    assert model.num_timesteps == 2 * (4 - 1 + 10)


def test_learning_rate_schedule_never_goes_negative():
    # The last rollout ends at 80 steps, past learn(64): SB3's progress remaining would be 1 - 80/64 < 0,
    # and a linear schedule a negative learning rate. It is clamped at 0.
    model = make_model([[10], [10]], learning_rate=lambda progress_remaining: 1e-3 * progress_remaining)
    model.learn(64)
    assert model.num_timesteps == 80
    assert model.logger.name_to_value["train/learning_rate"] == 0.0
    assert model.policy.optimizer.param_groups[0]["lr"] == 0.0
