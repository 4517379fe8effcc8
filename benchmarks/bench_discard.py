"""
The cost of unbiased rollouts: steps collected but never trained on, on CartPole-v1.

An episode joins a rollout iff it starts before the env's n_steps mark; the rollout runs until every
joined episode has ended, and envs that finish early keep stepping (a VecEnv steps all envs together)
in episodes that are never trained on. This script trains REINFORCE with its defaults (8 envs) for
100k steps per seed, with and without ``reset_between_rollouts``, and sums the logged
``rollout/steps_collected`` and ``rollout/steps_discarded``.

Usage: python benchmarks/bench_discard.py [--seeds 3] [--timesteps 100000]
"""

import argparse

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env

from sb3_reinforce import REINFORCE


class CountSteps(BaseCallback):
    """Sum the collected and discarded steps that REINFORCE logs for each rollout."""

    def __init__(self):
        super().__init__()
        self.collected = 0
        self.discarded = 0

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        logged = self.model.logger.name_to_value
        self.collected += logged["rollout/steps_collected"]
        self.discarded += logged["rollout/steps_discarded"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--timesteps", type=int, default=100_000)
    args = parser.parse_args()
    print(f"CartPole-v1, REINFORCE defaults, 8 envs, {args.timesteps} steps x {args.seeds} seeds")
    print("Command: python benchmarks/bench_discard.py" + (f" --seeds {args.seeds}" if args.seeds != 3 else ""))
    print()
    print("| reset_between_rollouts | n_steps | steps discarded (mean over seeds) | per seed |")
    print("|---|---|---|---|")
    for reset in (True, False):
        shares = []
        for seed in range(args.seeds):
            model = REINFORCE(
                "MlpPolicy", make_vec_env("CartPole-v1", n_envs=8, seed=seed), seed=seed, reset_between_rollouts=reset
            )
            counter = CountSteps()
            model.learn(args.timesteps, callback=counter)
            shares.append(counter.discarded / counter.collected)
        per_seed = ", ".join(f"{share:.0%}" for share in shares)
        print(f"| {reset} | {model.n_steps} | {np.mean(shares):.0%} | {per_seed} |")


if __name__ == "__main__":
    main()
