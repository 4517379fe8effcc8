"""
Torch threads under load: the training speed of the README's first command (``python -m sb3_reinforce``, CartPole-v1,
8 envs, 100k steps) with its default thread count, with 1 thread and with torch's own default (one thread per core),
on an idle machine and with one or two other busy processes, which this script starts and stops itself.

Each cell is the median over ``--repeats`` runs of the training speed the command prints ("Trained N env steps in T s
(X steps/s)"), the three settings interleaved in each repeat. Run it on an otherwise idle machine: its loads are the
only ones it controls.

    python benchmarks/bench_threads.py                                   # the first command, MlpPolicy
    python benchmarks/bench_threads.py --env ALE/Breakout-v5 --timesteps 3000 --repeats 3   # CnnPolicy (the atari extra)
"""

import argparse
import os
import re
import subprocess
import sys
import time

import numpy as np

# The settings compared: the command's own default, then --threads values (0: torch's default, one per core)
SETTINGS = {"default": [], "1 thread": ["--threads", "1"], "torch's default": ["--threads", "0"]}
LOADS = {"idle": 0, "one busy process": 1, "two busy processes": 2}
BUSY_LOOP = "while True: pass"


def train_speed(env_id: str, timesteps: int, flags: list[str]) -> tuple[float, int]:
    """
    Run the first command once and read the training speed it prints.

    :param env_id: --env
    :param timesteps: --timesteps
    :param flags: The thread flags
    :return: env steps per second of training, and the torch thread count the command reported
    """
    command = [sys.executable, "-m", "sb3_reinforce", "--env", env_id, "--timesteps", str(timesteps), "--eval-episodes", "1"]
    environment = {key: value for key, value in os.environ.items() if key not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run([*command, *flags], check=True, capture_output=True, text=True, env=environment).stdout
    speed = re.search(r"\(([\d,]+) steps/s\)", out)
    threads = re.search(r"(\d+) torch threads?\b", out)
    assert speed is not None and threads is not None, out
    return float(speed.group(1).replace(",", "")), int(threads.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--timesteps", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    speeds: dict[tuple[str, str], list[float]] = {}
    threads: dict[str, int] = {}
    for load, n_busy in LOADS.items():
        busy = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(n_busy)]
        try:
            time.sleep(1.0)
            for _ in range(args.repeats):
                for setting, flags in SETTINGS.items():
                    speed, threads[setting] = train_speed(args.env, args.timesteps, flags)
                    speeds.setdefault((load, setting), []).append(speed)
                    print(f"{load}, {setting}: {speed:,.0f} steps/s", file=sys.stderr, flush=True)
        finally:
            for process in busy:
                process.kill()
                process.wait()

    cores = os.cpu_count()
    columns = [f"{setting} ({threads[setting]})" for setting in SETTINGS]
    print(f"{args.env}, {args.timesteps:,} steps, {cores} cores: training env steps/s, median of {args.repeats} runs")
    print()
    print(f"| load | {' | '.join(columns)} | default / 1 thread |")
    print("|---" * (len(SETTINGS) + 2) + "|")
    for load in LOADS:
        medians = [float(np.median(speeds[(load, setting)])) for setting in SETTINGS]
        ratio = medians[0] / medians[1]
        print(f"| {load} | {' | '.join(f'{median:,.0f}' for median in medians)} | {ratio:.0%} |")
    print()
    extra = f" --env {args.env}" if args.env != parser.get_default("env") else ""
    extra += f" --timesteps {args.timesteps}" if args.timesteps != parser.get_default("timesteps") else ""
    print(f"Command: python benchmarks/bench_threads.py{extra} --repeats {args.repeats}")


if __name__ == "__main__":
    main()
