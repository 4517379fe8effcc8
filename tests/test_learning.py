"""REINFORCE with its defaults solves CartPole-v1 (8 envs) within a fixed budget, for fixed seeds."""

import pytest
from stable_baselines3.common.callbacks import EvalCallback, StopTrainingOnRewardThreshold
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy

from sb3_reinforce import REINFORCE

BUDGET = 100_000
THRESHOLD = 475


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cartpole_is_solved(seed):
    eval_env = make_vec_env("CartPole-v1", n_envs=1, seed=1_000 + seed)
    stop = StopTrainingOnRewardThreshold(reward_threshold=THRESHOLD, verbose=0)
    # Evaluate every 5,000 steps (625 calls x 8 envs) on 10 deterministic episodes
    callback = EvalCallback(eval_env, callback_on_new_best=stop, eval_freq=625, n_eval_episodes=10, verbose=0)
    model = REINFORCE("MlpPolicy", make_vec_env("CartPole-v1", n_envs=8, seed=seed), seed=seed)
    model.learn(BUDGET, callback=callback)
    assert callback.best_mean_reward >= THRESHOLD, f"best evaluation {callback.best_mean_reward} after {model.num_timesteps}"
    # The policy that stopped training holds up on 20 fresh episodes
    mean, _ = evaluate_policy(model, make_vec_env("CartPole-v1", n_envs=1, seed=2_000 + seed), n_eval_episodes=20)
    assert mean >= 0.9 * THRESHOLD
