"""
Memory benchmark: peak resident memory (RSS) of one REINFORCE rollout and one update, against the rollout's length.

CnnPolicy (NatureCNN), 8 envs of 84x84x4 uint8 frames (random pixels, Discrete(4) actions, every episode truncated
after ``--lengths`` steps), REINFORCE's defaults otherwise. Every env's first episode joins the rollout and runs to
its end, so a rollout holds 8 x length steps. Each length runs in a fresh process, which reports its peak RSS
(``ru_maxrss``) after ``collect_rollouts`` and after ``train()``, and the time ``train()`` took.

Usage: python benchmarks/bench_memory.py [--lengths 1000 3000] [--threads 1] [--chunk-size auto]
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

import gymnasium as gym
import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.env_util import make_vec_env

N_ENVS = 8
FRAME_SHAPE = (84, 84, 4)


class RandomFramesEnv(gym.Env):
    """84x84x4 uint8 frames of random pixels (a pool of 16, cycled), 4 actions, reward 1 a step, truncated at ``length``."""

    observation_space = spaces.Box(0, 255, FRAME_SHAPE, np.uint8)
    action_space = spaces.Discrete(4)

    def __init__(self, length: int):
        self.length = length
        self.frames = np.random.default_rng(0).integers(0, 256, (16, *FRAME_SHAPE), dtype=np.uint8)
        self.t = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.t = 0
        return self.frames[0], {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        self.t += 1
        return self.frames[self.t % 16], 1.0, False, self.t >= self.length, {}


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kilobytes on Linux


def measure(length: int, threads: int, chunk_size: int | None) -> dict[str, float]:
    """One rollout and one update, in this process."""
    from sb3_reinforce import REINFORCE

    th.set_num_threads(threads)
    env = make_vec_env(RandomFramesEnv, n_envs=N_ENVS, seed=0, env_kwargs={"length": length})
    kwargs = {} if chunk_size is None else {"chunk_size": chunk_size}
    model = REINFORCE("CnnPolicy", env, seed=0, device="cpu", **kwargs)
    _, callback = model._setup_learn(10**9, None)
    assert model.collect_rollouts(model.env, callback, model.rollout_buffer, model.n_steps)
    steps = int(model.rollout_buffer.trainable[: model.rollout_buffer.pos].sum())
    after_collection = peak_rss_gb()
    start = time.perf_counter()
    model.train()
    train_seconds = time.perf_counter() - start
    return {"steps": steps, "collection_gb": after_collection, "train_gb": peak_rss_gb(), "train_s": train_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--chunk-size", default="auto", help="REINFORCE's chunk_size; 'auto': the default")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one length, print JSON
    args = parser.parse_args()
    chunk_size = None if args.chunk_size == "auto" else int(args.chunk_size)
    if args.one is not None:
        print(json.dumps(measure(args.one, args.threads, chunk_size)))
        return
    print(
        f"CnnPolicy, {N_ENVS} envs of {FRAME_SHAPE} uint8 frames, one rollout and one update; {args.threads} torch thread(s)"
    )
    print(f"Command: python benchmarks/bench_memory.py --lengths {' '.join(map(str, args.lengths))} --threads {args.threads}")
    print()
    print("| episode length | steps in the rollout | peak RSS after collection | peak RSS after train() | train() time |")
    print("|---|---|---|---|---|")
    for length in args.lengths:
        command = [sys.executable, __file__, "--one", str(length), "--threads", str(args.threads)]
        if chunk_size is not None:
            command += ["--chunk-size", str(chunk_size)]
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        print(
            f"| {length:,} | {result['steps']:,} | {result['collection_gb']:.2f} GB | {result['train_gb']:.2f} GB "
            f"| {result['train_s']:.1f} s |",
            flush=True,
        )


if __name__ == "__main__":
    main()
