"""
How long the README's quick start takes on a busy machine, as written (one torch thread, its
``th.set_num_threads(1)`` line) and without that line (torch's default: one thread per core).

    python benchmarks/bench_quickstart.py --busy 1 --repeats 2

Each run executes the README's ``<!-- example: quick-start -->`` block in a fresh Python process, in a temporary
folder (it saves a zip), with its progress bar off. ``--busy N`` starts N processes that spin on the CPU during the
runs, the "other job on the cores" of a shared machine; the measurement also counts whatever else runs there.
"""

import argparse
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
THREADS_LINE = re.compile(r"^th\.set_num_threads\(1\).*\n", re.M)


def quick_start() -> str:
    """The README's quick-start block, progress bar off."""
    text = (REPO / "README.md").read_text()
    code = re.search(r"<!-- example: quick-start -->\s*```python\n(.*?)```", text, re.DOTALL)
    assert code is not None, "README.md has no quick-start block"
    return code.group(1).replace("progress_bar=True", "progress_bar=False")


def spin() -> None:
    while True:
        pass


def timed(code: str) -> float:
    """Seconds to run the code in a fresh Python process."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=folder, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--busy", type=int, default=1, help="processes spinning on the CPU during the runs")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each variant, alternated")
    args = parser.parse_args()
    code = quick_start()
    if not THREADS_LINE.search(code):
        raise SystemExit("the README's quick start has no th.set_num_threads(1) line")
    variants = {"as written (1 thread)": code, "without the thread line": THREADS_LINE.sub("", code)}
    spinners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(args.busy)]
    for spinner in spinners:
        spinner.start()
    try:
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.repeats):
            for name, variant in variants.items():
                times[name].append(timed(variant))
                print(f"{name}: {times[name][-1]:.1f} s", flush=True)
    finally:
        for spinner in spinners:
            spinner.terminate()
    print(f"{os.cpu_count()} cores, {args.busy} spinning; median of {args.repeats}:")
    for name, seconds in times.items():
        print(f"  {name}: {sorted(seconds)[len(seconds) // 2]:.1f} s")


if __name__ == "__main__":
    main()
