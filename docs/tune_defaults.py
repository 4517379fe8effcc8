"""
Measures the variance-reduction options on CartPole-v1 (8 envs, n_steps=64, 100k steps), to choose
REINFORCE's defaults: baseline (none / value), normalize_advantage, use_gamma_t, learning rate.

Every 10k steps the policy is evaluated on 10 deterministic episodes of a separate env.
For each setting and seed it records the first evaluation >= 475 and the final one.

Usage: python docs/tune_defaults.py [--seeds 5] [--workers 2] > docs/defaults.md
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


def run(setting: tuple, seed: int) -> tuple[int | None, float]:
    th.set_num_threads(1)
    baseline, normalize, gamma_t, learning_rate = setting
    env = make_vec_env("CartPole-v1", n_envs=8, seed=seed)
    model = REINFORCE(
        "MlpPolicy",
        env,
        n_steps=64,
        baseline=baseline,
        normalize_advantage=normalize,
        use_gamma_t=gamma_t,
        learning_rate=learning_rate,
        seed=seed,
        device="cpu",
    )
    callback = Evaluate(seed)
    model.learn(BUDGET, callback=callback)
    final = evaluate_policy(model, callback.eval_env, n_eval_episodes=10)[0]
    return callback.first_hit, final


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    settings = list(itertools.product(["none", "value"], [False, True], [False, True], [1e-3, 3e-3]))
    jobs = [(setting, seed) for setting in settings for seed in range(args.seeds)]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(run, *zip(*jobs, strict=True)))
    print(f"CartPole-v1, 8 envs, n_steps=64, {BUDGET} steps, {args.seeds} seeds; eval every {EVAL_EVERY} steps")
    print("(10 deterministic episodes). Command: python docs/tune_defaults.py")
    print()
    columns = ["baseline", "normalize_advantage", "use_gamma_t", "learning_rate", "seeds reaching 475"]
    columns += ["median steps to 475", "final return"]
    print("| " + " | ".join(columns) + " |")
    print("|---|---|---|---|---|---|---|")
    for i, setting in enumerate(settings):
        runs = results[i * args.seeds : (i + 1) * args.seeds]
        hits = [hit for hit, _ in runs if hit is not None]
        finals = [final for _, final in runs]
        median = f"{int(np.median(hits)):,}" if hits else "-"
        print(
            f"| {setting[0]} | {setting[1]} | {setting[2]} | {setting[3]:g} | {len(hits)}/{args.seeds} | {median} "
            f"| {np.mean(finals):.0f} ± {np.std(finals):.0f} |"
        )


if __name__ == "__main__":
    main()
