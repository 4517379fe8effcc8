"""
Memory benchmark: peak resident memory (RSS) of one rollout and one update, against the rollout's length.

84x84x4 uint8 frames (random pixels, Discrete(4) actions, every episode truncated after its length), each env's
first episode joining the rollout and running to its end, so that a rollout of ``n_envs x length`` holds that many
steps. The algorithm's defaults otherwise:

- ``--algo reinforce``: REINFORCE with ``CnnPolicy`` (NatureCNN);
- ``--algo recurrent``: RecurrentREINFORCE with ``CnnLstmPolicy`` (NatureCNN, then an LSTM of 64 units), every
  trained episode backpropagated through whole.

Each row runs in a fresh process, which reports its peak RSS after ``collect_rollouts`` and after ``train()``, and the
time ``train()`` took; "added" is the difference of the two peaks. Collection's peak includes the buffer's growth
(its arrays double, the old ones freed once copied), which ``train()`` may reuse without raising the peak; so the
process also reports ``train()``'s own peak above the RSS it started from, the peak being reset at its start
(Linux's ``/proc/self/clear_refs``; where that cannot be written, the column shows the overall peak instead).

Usage:
    python benchmarks/bench_memory.py [--lengths 1000 3000] [--n-envs 8] [--threads 1] [--chunk-size auto]
    python benchmarks/bench_memory.py --algo recurrent --rows 2x1500 2x6000 8x3000 [--baseline none]
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
RECURRENT_LSTM_SIZE = 64


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


def status_gb(field: str) -> float:
    """A memory figure of /proc/self/status (VmRSS: resident now; VmHWM: peak since start or the last reset)."""
    for line in open("/proc/self/status").read().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1e6  # kB
    raise KeyError(field)


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where it cannot be done."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def measure(algo: str, n_envs: int, length: int, threads: int, chunk_size: int | None, baseline: str) -> dict[str, float]:
    """One rollout and one update, in this process."""
    from sb3_reinforce import REINFORCE, RecurrentREINFORCE

    th.set_num_threads(threads)
    env = make_vec_env(RandomFramesEnv, n_envs=n_envs, seed=0, env_kwargs={"length": length})
    kwargs: dict[str, Any] = {"baseline": baseline}
    if chunk_size is not None:
        kwargs["chunk_size"] = chunk_size
    if algo == "recurrent":
        kwargs["policy_kwargs"] = {"lstm_hidden_size": RECURRENT_LSTM_SIZE}
        model = RecurrentREINFORCE("CnnLstmPolicy", env, seed=0, device="cpu", **kwargs)
    else:
        model = REINFORCE("CnnPolicy", env, seed=0, device="cpu", **kwargs)
    _, callback = model._setup_learn(10**9, None)
    assert model.collect_rollouts(model.env, callback, model.rollout_buffer, model.n_steps)
    steps = int(model.rollout_buffer.trainable[: model.rollout_buffer.pos].sum())
    after_collection = peak_rss_gb()
    start_rss = status_gb("VmRSS")
    own_peak = reset_peak_rss()
    start = time.perf_counter()
    model.train()
    train_seconds = time.perf_counter() - start
    train_peak = status_gb("VmHWM") if own_peak else peak_rss_gb()
    return {
        "steps": steps,
        "collection_gb": after_collection,
        "train_gb": max(after_collection, train_peak, peak_rss_gb()),
        "own_gb": train_peak - start_rss,
        "train_s": train_seconds,
    }


def parse_row(row: str) -> tuple[int, int]:
    """'2x1500' -> (2, 1500): envs x episode length."""
    n_envs, length = row.lower().split("x")
    return int(n_envs), int(length)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--algo", choices=["reinforce", "recurrent"], default="reinforce")
    parser.add_argument("--lengths", type=int, nargs="+", default=[1000, 3000], help="episode lengths, --n-envs each")
    parser.add_argument("--n-envs", type=int, default=N_ENVS)
    parser.add_argument("--rows", nargs="+", help="ENVSxLENGTH rows (such as 2x1500), instead of --lengths")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--chunk-size", default="auto", help="the algorithm's chunk_size; 'auto': the default")
    parser.add_argument("--baseline", choices=["none", "value"], default="none")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one ENVSxLENGTH row, print JSON
    args = parser.parse_args()
    chunk_size = None if args.chunk_size == "auto" else int(args.chunk_size)
    if args.one is not None:
        n_envs, length = parse_row(args.one)
        print(json.dumps(measure(args.algo, n_envs, length, args.threads, chunk_size, args.baseline)))
        return
    rows = [parse_row(row) for row in args.rows] if args.rows else [(args.n_envs, length) for length in args.lengths]
    policy = "RecurrentREINFORCE, CnnLstmPolicy (LSTM 64)" if args.algo == "recurrent" else "REINFORCE, CnnPolicy"
    print(f"{policy}, {FRAME_SHAPE} uint8 frames, one rollout and one update; {args.threads} torch thread(s)")
    print(f"Command: python {' '.join(sys.argv)}")
    print()
    header = "| envs x episode length | steps | peak RSS after collection | after train() | added by train() "
    print(f"{header}| train()'s own peak above its start | train() time |")
    print("|---|---|---|---|---|---|---|")
    for n_envs, length in rows:
        command = [sys.executable, __file__, "--one", f"{n_envs}x{length}", "--algo", args.algo]
        command += ["--threads", str(args.threads), "--chunk-size", args.chunk_size, "--baseline", args.baseline]
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        added = result["train_gb"] - result["collection_gb"]
        print(
            f"| {n_envs} x {length:,} | {result['steps']:,} | {result['collection_gb']:.2f} GB | "
            f"{result['train_gb']:.2f} GB | {added:.2f} GB | {result['own_gb']:.2f} GB | {result['train_s']:.1f} s |",
            flush=True,
        )


if __name__ == "__main__":
    main()
