"""
Measures REINFORCE's options on CartPole-v1 (8 envs, 100k steps), to choose its defaults.

Four grids: ``options`` crosses the variance-reduction options (baseline, normalize_advantage, use_gamma_t)
with two learning rates at n_steps=64; ``tuning`` crosses baseline, max_grad_norm, learning rate and
n_steps, with normalize_advantage on; ``confirm`` compares the best candidates' n_steps on more seeds;
``normalization`` compares SB3's batch standardisation (``True``) with ``"unbiased"``, the other settings at
their defaults.

Every 10k steps the policy is evaluated on 10 deterministic episodes of a separate env.
For each setting and seed it records the first evaluation >= 475 and the final one.

Usage: python benchmarks/tune_defaults.py --grid options|tuning|confirm|normalization [--seeds 3] [--workers 2]
"""

import argparse
import itertools
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import torch as th
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy

from sb3_reinforce import REINFORCE

BUDGET, EVAL_EVERY, THRESHOLD = 100_000, 10_000, 475


class Evaluate(BaseCallback):
    """Evaluate every EVAL_EVERY steps; remember the first step at which the mean return reached THRESHOLD."""

    def __init__(self, seed: int):
        super().__init__()
        self.eval_env = make_vec_env("CartPole-v1", n_envs=1, seed=10_000 + seed)
        self.next_eval = EVAL_EVERY
        self.first_hit: int | None = None
        self.last = 0.0

    def _on_step(self) -> bool:
        if self.num_timesteps >= self.next_eval:
            self.next_eval += EVAL_EVERY
            self.last = evaluate_policy(self.model, self.eval_env, n_eval_episodes=10)[0]
            if self.first_hit is None and self.last >= THRESHOLD:
                self.first_hit = self.num_timesteps
        return True


GRIDS = {
    "options": {
        "baseline": ["none", "value"],
        "normalize_advantage": [False, True],
        "use_gamma_t": [False, True],
        "learning_rate": [1e-3, 3e-3],
        "n_steps": [64],
        "max_grad_norm": [0.5],
    },
    "tuning": {
        "baseline": ["none", "value"],
        "normalize_advantage": [True],
        "use_gamma_t": [False],
        "learning_rate": [3e-3, 1e-2],
        "n_steps": [16, 64],
        "max_grad_norm": [0.5, float("inf")],
    },
    "confirm": {
        "baseline": ["none"],
        "normalize_advantage": [True],
        "use_gamma_t": [False],
        "learning_rate": [3e-3],
        "n_steps": [16, 32, 64],
        "max_grad_norm": [0.5],
    },
    # 0.2.0: the default normalize_advantage="unbiased" against SB3's batch standardisation (the previous default)
    "normalization": {
        "baseline": ["none"],
        "normalize_advantage": [True, "unbiased"],
        "use_gamma_t": [False],
        "learning_rate": [3e-3],
        "n_steps": [16],
        "max_grad_norm": [0.5],
    },
}


def run(setting: dict, seed: int) -> tuple[int | None, float]:
    th.set_num_threads(1)
    env = make_vec_env("CartPole-v1", n_envs=8, seed=seed)
    model = REINFORCE("MlpPolicy", env, seed=seed, device="cpu", **setting)
    callback = Evaluate(seed)
    model.learn(BUDGET, callback=callback)
    final = evaluate_policy(model, callback.eval_env, n_eval_episodes=10)[0]
    return callback.first_hit, final


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grid", choices=list(GRIDS), required=True)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    grid = GRIDS[args.grid]
    settings = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]
    jobs = [(setting, seed) for setting in settings for seed in range(args.seeds)]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(run, *zip(*jobs, strict=True)))
    print(f"CartPole-v1, 8 envs, {BUDGET} steps, {args.seeds} seeds; evaluation every {EVAL_EVERY} steps")
    print(f"on 10 deterministic episodes. Command: python benchmarks/tune_defaults.py --grid {args.grid} --seeds {args.seeds}")
    print()
    columns = [*grid, "seeds reaching 475", "median steps to 475", "final return", "final by seed"]
    print("| " + " | ".join(columns) + " |")
    print("|---" * len(columns) + "|")
    for i, setting in enumerate(settings):
        runs = results[i * args.seeds : (i + 1) * args.seeds]
        hits = [hit for hit, _ in runs if hit is not None]
        finals = [final for _, final in runs]
        median = f"{int(np.median(hits)):,}" if hits else "-"
        cells = [f"{value:g}" if isinstance(value, float) else str(value) for value in setting.values()]
        cells += [f"{len(hits)}/{args.seeds}", median, f"{np.mean(finals):.0f} ± {np.std(finals):.0f}"]
        cells.append(", ".join(f"{final:.0f}" for final in finals))
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
