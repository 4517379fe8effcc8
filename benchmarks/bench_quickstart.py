"""
How long the README's quick start takes on a busy machine, as written (one torch thread, its
``th.set_num_threads(1)`` line) and without that line (torch's default: one thread per core).

    python benchmarks/bench_quickstart.py --busy 1 --repeats 2
    python benchmarks/bench_quickstart.py --busy 0 --repeats 3 --record "one training run"   # beside a run of yours

Each run executes the README's ``<!-- example: quick-start -->`` block in a fresh Python process, in a temporary
folder (it saves a zip), with its progress bar off. ``--busy N`` starts N processes that spin on the CPU during the
runs, the "other job on the cores" of a shared machine; the measurement also counts whatever else runs there.

``--record LOAD`` keeps the medians and the runs in ``benchmarks/data/quickstart.csv`` under that description of
what else ran on the cores (replacing an earlier row of the same description), and writes the table of every
recorded row into docs/guide/quickstart.md, between its ``quickstart-threads`` markers.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import DATA, DOCS, read_rows, replace_row, update_between_markers

REPO = Path(__file__).resolve().parent.parent
THREADS_LINE = re.compile(r"^th\.set_num_threads\(1\).*\n", re.M)
RESULTS = DATA / "quickstart.csv"
FIELDS = ["load", "busy", "repeats", "with_line", "without_line", "runs_with_line", "runs_without_line"]
PAGE = DOCS / "guide" / "quickstart.md"
MARKER = "quickstart-threads"


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


def median(seconds: list[float]) -> float:
    return sorted(seconds)[len(seconds) // 2]


def table() -> list[str]:
    """The recorded rows (``RESULTS``) as the quick start page's table: what else ran, the two medians, the runs."""
    lines = [
        "| other jobs on the 2 cores | with the line | without it | runs (with; without) |",
        "|---|---|---|---|",
    ]
    for row in read_rows(RESULTS):
        spinning = f", {row['busy']} spinning" if int(row["busy"]) else ""
        runs = f"{row['runs_with_line']}; {row['runs_without_line']}" if row["runs_with_line"] else "not kept"
        lines.append(
            f"| {row['load']}{spinning} | {row['with_line']} s | {row['without_line']} s | {runs} "
            f"(median of {row['repeats']}) |"
        )
    return lines


def record(load: str, busy: int, times: dict[str, list[float]]) -> None:
    """Keep a measurement in ``RESULTS`` and rewrite the page's table."""
    with_line, without_line = times.values()
    row = {
        "load": load,
        "busy": str(busy),
        "repeats": str(len(with_line)),
        "with_line": f"{median(with_line):.1f}",
        "without_line": f"{median(without_line):.1f}",
        "runs_with_line": ", ".join(f"{seconds:.1f}" for seconds in with_line),
        "runs_without_line": ", ".join(f"{seconds:.1f}" for seconds in without_line),
    }
    replace_row(RESULTS, FIELDS, row, key=("load", "busy"))
    update_between_markers(PAGE, table(), MARKER)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--busy", type=int, default=1, help="processes spinning on the CPU during the runs")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each variant, alternated")
    parser.add_argument(
        "--record", metavar="LOAD", help="keep the result under this description of the other jobs on the cores"
    )
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
        print(f"  {name}: {median(seconds):.1f} s")
    if args.record:
        record(args.record, args.busy, times)


if __name__ == "__main__":
    main()
