"""
REINFORCE with its defaults solves CartPole-v1 (8 envs) within a fixed budget, for fixed seeds; the quick start (README
and docs/guide/quickstart.md) runs the configuration its figures are for, and the examples of the REINFORCE page run.
"""

import inspect
import re

import pytest
import torch as th
from stable_baselines3.common.callbacks import EvalCallback, StopTrainingOnRewardThreshold
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy

from sb3_reinforce import REINFORCE
from tests.pages import DOCS, README, benchmark_script, example

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


@pytest.mark.parametrize("page", [README, DOCS / "guide" / "quickstart.md"], ids=["README", "quickstart"])
def test_quick_start_runs_the_configuration_of_its_figures(page, tmp_path, monkeypatch):
    """The Quick start (shortened to 2,000 steps) trains on 8 envs with the defaults of benchmarks/tune_defaults.py's
    normalization run (its normalize_advantage="unbiased" row)."""
    code, n_replaced = re.subn(r"total_timesteps=100_000", "total_timesteps=2_000", example(page, "quick-start"))
    assert n_replaced == 1, "the Quick start no longer trains for the 100k steps its figures are for"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, str(page), "exec"), namespace)
    assert namespace["env"].num_envs == 8
    assert namespace["model"].n_envs == 8  # the loaded model
    assert th.get_num_threads() == 1  # the block says so in one line (conftest restores the count)
    assert (tmp_path / "reinforce_cartpole.zip").is_file()

    # The figures' row of docs/defaults.md section 4: benchmarks/tune_defaults.py's normalization grid, "unbiased", on 8 envs
    tune_defaults = benchmark_script("tune_defaults")
    defaults = inspect.signature(REINFORCE.__init__).parameters
    for name, values in tune_defaults.GRIDS["normalization"].items():
        value = "unbiased" if name == "normalize_advantage" else values[0]
        assert value in values and defaults[name].default == value, name
    assert 'make_vec_env("CartPole-v1", n_envs=8, seed=seed)' in inspect.getsource(tune_defaults.run)
    assert tune_defaults.BUDGET == 100_000
    if page != README:
        # The quick start page goes on: the trained agent acts in the envs
        exec(compile(example(page, "quick-start-predict"), str(page), "exec"), namespace)
        assert namespace["action"].shape == (8,)


def test_reinforce_page_example_trains_saves_and_evaluates(tmp_path, monkeypatch):
    """The REINFORCE page's example (shortened to 2,000 steps) trains with the value baseline, saves, loads and evaluates."""
    page = DOCS / "modules" / "reinforce.md"
    code, n_replaced = re.subn(r"total_timesteps=100_000", "total_timesteps=2_000", example(page, "reinforce"))
    assert n_replaced == 1
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, str(page), "exec"), namespace)
    assert isinstance(namespace["model"], REINFORCE) and namespace["model"].baseline == "value"
    assert (tmp_path / "reinforce_cartpole.zip").is_file() and namespace["mean_reward"] > 0
