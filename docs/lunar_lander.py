"""
Where REINFORCE's LunarLander-v3 runs plateau: what the training episodes end in, and how many updates there are.

The benchmark's runs of the shipped entry stay between -89 and 3 from 450k steps to 1M (docs/benchmark.md). This
script trains the shipped entry (``zoo_configs/reinforce.yml``) and variants of it on seed 0 and prints, per tenth
of the training episodes: the mean return, the mean length, and how the episodes ended: crashed or flew off
(the env's terminal reward of -100), landed and came to rest (+100), or truncated at 1000 steps (hovering). It also
prints the number of updates.

An update needs the whole episodes that joined its rollout, so a batch holds at least ``n_envs`` episodes, and
fewer envs give more updates in the same budget (the HalfCheetah finding).

Usage: python docs/lunar_lander.py [--steps 300000] [--variants entry "4 envs"]
"""

import argparse
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch as th
import yaml
from stable_baselines3.common.env_util import make_vec_env

from sb3_reinforce import REINFORCE

ENV_ID = "LunarLander-v3"
ENTRY = yaml.safe_load((Path(__file__).resolve().parents[1] / "zoo_configs" / "reinforce.yml").read_text())[ENV_ID]
# name: changes to the shipped entry
VARIANTS = {
    "entry": {},
    "4 envs": {"n_envs": 4},
    "4 envs, value baseline": {"n_envs": 4, "baseline": "value"},
}
OUTCOMES = ("crashed", "landed", "truncated")


class Outcome(gym.Wrapper):
    """Record how each episode ended, from the env's terminal reward (-100 crash/off-screen, +100 at rest)."""

    # (how it ended, return, length) of every episode, in order
    episodes: list[tuple[str, float, int]] = []

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            ending = "truncated" if not terminated else "crashed" if reward <= -100 else "landed" if reward >= 100 else "other"
            Outcome.episodes.append((ending, info["episode"]["r"], info["episode"]["l"]))  # from the Monitor inside
        return obs, reward, terminated, truncated, info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300_000)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = parser.parse_args()
    th.set_num_threads(1)
    for name in args.variants:
        entry = {**ENTRY, **VARIANTS[name]}
        kwargs = {key: value for key, value in entry.items() if key not in ("n_timesteps", "policy", "n_envs")}
        Outcome.episodes = []
        env = make_vec_env(ENV_ID, n_envs=entry["n_envs"], seed=0, wrapper_class=Outcome)
        start = time.perf_counter()
        model = REINFORCE(entry["policy"], env, seed=0, **kwargs).learn(args.steps)
        seconds = time.perf_counter() - start
        print(
            f"{ENV_ID}, {name} ({entry['n_envs']} envs, {args.steps:,} steps): {model._n_updates} updates, "
            f"{len(Outcome.episodes)} episodes ({seconds:.0f} s)"
        )
        for tenth, chunk in enumerate(np.array_split(np.arange(len(Outcome.episodes)), 10)):
            endings = np.array([Outcome.episodes[i][0] for i in chunk])
            mean_return = np.mean([Outcome.episodes[i][1] for i in chunk])
            mean_length = np.mean([Outcome.episodes[i][2] for i in chunk])
            shares = ", ".join(f"{outcome} {np.mean(endings == outcome):.0%}" for outcome in OUTCOMES)
            print(f"  tenth {tenth + 1}: return {mean_return:.0f}, length {mean_length:.0f}, {shares}", flush=True)


if __name__ == "__main__":
    main()
