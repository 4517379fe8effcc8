"""
The exact-gradient harness of ``tests/test_unbiased.py`` as tables, for every advantage normalisation, baseline and
batch size (policy frozen, baselines learning during the run, ``--rollouts`` rollouts per seed):

- bias, on seed 0 (the tests' seed): the cosine of the averaged update with the exact gradient, the fitted scale c,
  and the largest and root-mean-square z-scores of the update against c grad J. An unbiased estimator has |z| of
  order 1; the tests flag |z| > 6 and accept |z| < 4;
- spread, over ``--seeds`` seeds: the mean squared error of one update's direction, E||u / |E u| - g / |g|||^2
  (u one rollout's update, E u its mean over the seed's rollouts, g the exact gradient; a bias adds to it), and the
  cosine with g of the sum of N consecutive updates (mean over the blocks of N rollouts of every seed).

``run`` appends each (normalisation, baseline, batch, seed) to ``benchmarks/data/unbiased_table.csv`` (an
interrupted run resumes where it stopped) and writes its tables into ``docs/unbiased.md``, between the
``unbiased_table`` markers; ``report`` rewrites them from the CSV.
Without a baseline A_t = G_t, so ``"returns"`` gives ``True``'s weights and ``"unbiased_returns"`` ``"unbiased"``'s,
bit for bit (``tests/test_unbiased.py::test_unbiased_returns_without_baseline``): those rows are not run twice.

Usage: python benchmarks/unbiased_table.py run [--seeds 5] [--rollouts 3000]
       python benchmarks/unbiased_table.py report
"""

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
import torch as th

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests import test_unbiased  # noqa: E402

CSV = REPO / "benchmarks" / "data" / "unbiased_table.csv"
PAGE = REPO / "docs" / "unbiased.md"
ESTIMATORS: list[tuple[bool | str, str]] = [
    ("unbiased", "the default: other envs' and earlier batches' statistics"),
    ("unbiased_returns", "the same, scaled by the returns' std"),
    (True, "SB3's batch standardisation"),
    ("returns", "batch mean of A, batch std of G"),
    (False, "none"),
]
BASELINES = ["none", "value", "linear"]
BATCHES = test_unbiased.SMALL_BATCHES
# Without a baseline these give another normalisation's weights, bit for bit
SAME_WITHOUT_BASELINE: dict[bool | str, bool | str] = {"returns": True, "unbiased_returns": "unbiased"}
BLOCKS = [10, 100, 300, 1000, 3000]
FIELDS = ["normalize_advantage", "baseline", "n_envs", "n_steps", "seed", "rollouts", "cosine", "scale"]
FIELDS += ["max_abs_z", "z_rms", "mse"] + [f"cosine_{n}" for n in BLOCKS]


def measure(value: bool | str, baseline: str, n_envs: int, n_steps: int, seed: int) -> dict:
    """One seed's figures for one normalisation, baseline and batch size."""
    updates, n_episodes, exact = test_unbiased.sampled_normalized_updates(baseline, value, n_envs, n_steps, seed)
    estimate, std_error = test_unbiased.ratio_estimate(updates, n_episodes)
    scale, z = test_unbiased.direction_z_scores(estimate, exact, std_error)
    direction = exact / np.linalg.norm(exact)
    mse = ((updates / np.linalg.norm(updates.mean(0)) - direction) ** 2).sum(1).mean()
    row = {
        "normalize_advantage": repr(value),
        "baseline": baseline,
        "n_envs": n_envs,
        "n_steps": n_steps,
        "seed": seed,
        "rollouts": len(updates),
        "cosine": test_unbiased.cosine(estimate, exact),
        "scale": scale,
        "max_abs_z": np.abs(z).max(),
        "z_rms": np.sqrt((z**2).mean()),
        "mse": mse,
    }
    for n in BLOCKS:
        sums = [updates[start : start + n].sum(0) for start in range(0, len(updates) - n + 1, n)]
        row[f"cosine_{n}"] = np.mean([test_unbiased.cosine(total, exact) for total in sums]) if sums else np.nan
    return row


def run(args: argparse.Namespace) -> None:
    test_unbiased.N_NORMALIZED_ROLLOUTS = args.rollouts
    th.set_num_threads(1)
    CSV.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if CSV.exists():
        with open(CSV) as file:
            keys = ("normalize_advantage", "baseline", "n_envs", "seed", "rollouts")
            done = {tuple(row[key] for key in keys) for row in csv.DictReader(file)}
    for seed in range(args.seeds):
        for baseline in BASELINES:
            for value, _ in ESTIMATORS:
                if baseline == "none" and value in SAME_WITHOUT_BASELINE:
                    continue
                for n_envs, n_steps in BATCHES:
                    if (repr(value), baseline, str(n_envs), str(seed), str(args.rollouts)) in done:
                        continue
                    row = measure(value, baseline, n_envs, n_steps, seed)
                    new_file = not CSV.exists()
                    with open(CSV, "a", newline="") as file:
                        writer = csv.DictWriter(file, FIELDS)
                        if new_file:
                            writer.writeheader()
                        writer.writerow(row)
                    print(", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    report(args)


def rows_by_config(rollouts: int) -> dict[tuple[str, str, int], list[dict]]:
    """The CSV's rows for ``rollouts`` rollouts, grouped by (normalisation, baseline, n_envs), sorted by seed."""
    groups: dict[tuple[str, str, int], list[dict]] = {}
    with open(CSV) as file:
        for row in csv.DictReader(file):
            if int(row["rollouts"]) != rollouts:
                continue
            key = (row["normalize_advantage"], row["baseline"], int(row["n_envs"]))
            numbers = {k: float(v) for k, v in row.items() if k not in ("normalize_advantage", "baseline")}
            groups.setdefault(key, []).append({**row, **numbers})
    for rows in groups.values():
        rows.sort(key=lambda r: r["seed"])
    # Without a baseline "returns" is True and "unbiased_returns" is "unbiased", bit for bit
    for value, same in SAME_WITHOUT_BASELINE.items():
        for n_envs, _ in BATCHES:
            if (repr(same), "none", n_envs) in groups:
                groups[(repr(value), "none", n_envs)] = groups[(repr(same), "none", n_envs)]
    return groups


def code(value: bool | str) -> str:
    """A normalize_advantage value as the docs write it: `True`, `"returns"`."""
    return f'`"{value}"`' if isinstance(value, str) else f"`{value}`"


def label(value: bool | str, baseline: str) -> str:
    same = SAME_WITHOUT_BASELINE.get(value)
    return code(value) + (f" (= {code(same)})" if baseline == "none" and same is not None else "")


def bias_table(groups: dict, rollouts: int) -> list[str]:
    lines = [
        f"ChainMDP (horizon {test_unbiased.HORIZON}), policy frozen, seed 0, {rollouts} rollouts per row.",
        "",
        "| normalize_advantage | baseline | envs x n_steps | cosine | c | max abs z | z-RMS |",
        "|---|---|---|---|---|---|---|",
    ]
    for value, _ in ESTIMATORS:
        for baseline in BASELINES:
            for n_envs, n_steps in BATCHES:
                rows = [r for r in groups.get((repr(value), baseline, n_envs), []) if r["seed"] == 0]
                if rows:
                    r = rows[0]
                    lines.append(
                        f"| {label(value, baseline)} | {baseline} | {n_envs} x {n_steps} | {r['cosine']:.4f} | "
                        f"{r['scale']:.2f} | {r['max_abs_z']:.1f} | {r['z_rms']:.1f} |"
                    )
    return lines


def spread_table(groups: dict, rollouts: int) -> list[str]:
    n_seeds = max(len(rows) for rows in groups.values())
    blocks = [n for n in BLOCKS if n <= rollouts]
    lines = [
        f"ChainMDP (horizon {test_unbiased.HORIZON}), policy frozen, seeds 0-{n_seeds - 1}, {rollouts} rollouts per "
        "seed. MSE: E||u / |E u| - g / |g|||^2 of one update u (mean over seeds; x True: its ratio to `True`'s). "
        "cos N: the cosine with g of the sum of N consecutive updates (mean over seeds and blocks).",
        "",
        "| normalize_advantage | baseline | envs x n_steps | MSE | x True | " + " | ".join(f"cos {n}" for n in blocks) + " |",
        "|---|---|---|---|---|" + "---|" * len(blocks),
    ]
    for value, _ in ESTIMATORS:
        for baseline in BASELINES:
            for n_envs, n_steps in BATCHES:
                rows = groups.get((repr(value), baseline, n_envs))
                if not rows:
                    continue
                mse = np.mean([r["mse"] for r in rows])
                reference = groups.get((repr(True), baseline, n_envs))
                ratio = f"{mse / np.mean([r['mse'] for r in reference]):.2f}" if reference else "-"
                cosines = " | ".join(f"{np.mean([r[f'cosine_{n}'] for r in rows]):.4f}" for n in blocks)
                cells = f"{label(value, baseline)} | {baseline} | {n_envs} x {n_steps} | {mse:.3f} | {ratio} | {cosines}"
                lines.append(f"| {cells} |")
    return lines


INTRO = """| normalize_advantage | centre and scale of the weights of env i's steps |
|---|---|
| `"unbiased"` (default) | m_i = (m_-i + m') / 2, s_i² = (s_-i² + v') / 2: the other envs' mean and variance of A \
in the batch, averaged with moving averages of the earlier batches' (1 env: m', v' alone; the first batch is left as \
it is) |
| `"unbiased_returns"` | m_i as above; s_i the same, taken of the returns G instead of A |
| `True` | SB3's: the batch's mean and std of A, each step's own included |
| `"returns"` | the batch's mean of A and std of G, each step's own included |
| `False` | none |
"""

START, END = "<!-- unbiased_table: start -->", "<!-- unbiased_table: end -->"


def summary(groups: dict) -> list[str]:
    """The page's findings, computed from the rows."""

    def rows_of(values: list[bool | str], seed_0: bool = True) -> list[dict]:
        return [
            r
            for (value, _, _), rows in groups.items()
            if value in [repr(v) for v in values]
            for r in rows
            if not seed_0 or r["seed"] == 0
        ]

    unbiased = rows_of(["unbiased", "unbiased_returns"])
    lines = [
        f'- `"unbiased"` and `"unbiased_returns"` are unbiased in direction in every row: |z| <= '
        f"{max(r['max_abs_z'] for r in unbiased):.1f}, cosine >= {min(r['cosine'] for r in unbiased):.4f}."
    ]
    for value, name in ((True, "SB3's standardisation"), ("returns", "the batch's std of G")):
        rows = rows_of([value])
        flagged = [r for r in rows if r["max_abs_z"] > 6]
        lines.append(
            f"- {code(value)} ({name}) is flagged (|z| > 6) in {len(flagged)} of {len(rows)} rows, up to |z| = "
            f"{max(r['max_abs_z'] for r in rows):.1f} (cosine down to {min(r['cosine'] for r in rows):.4f}); in the "
            f"others |z| <= {max((r['max_abs_z'] for r in rows if r['max_abs_z'] <= 6), default=float('nan')):.1f}. "
            "Its bias is O(1/batch): largest on one env."
        )
    worse = []
    ratios: dict[int, list[tuple[float, str]]] = {n_envs: [] for n_envs, _ in BATCHES}
    for (value, baseline, n_envs), rows in groups.items():
        if value not in ("'unbiased'", "'unbiased_returns'"):
            continue
        reference = groups[(repr(True), baseline, n_envs)]
        ratio = np.mean([r["mse"] for r in rows]) / np.mean([r["mse"] for r in reference])
        name = code(value.strip("'"))
        ratios[n_envs].append((ratio, f"{name} with baseline {baseline}"))
        for n in BLOCKS:
            ours, theirs = (np.mean([r[f"cosine_{n}"] for r in group]) for group in (rows, reference))
            if ours < theirs:
                worse.append(f"{value} {baseline} {n_envs} x 2 at N={n}: {ours:.4f} < {theirs:.4f}")
    spread = ", ".join(
        f"{min(r)[0]:.2f}-{max(r)[0]:.2f} times `True`'s on {n} {'envs' if n > 1 else 'env'} (the largest: {max(r)[1]})"
        for n, r in ratios.items()
    )
    lines.append(f"- Spread: the direction-unbiased forms' MSE is {spread}; on one env `True`'s includes its bias.")
    against_returns = [
        np.mean([r["mse"] for r in rows]) / np.mean([r["mse"] for r in groups[("'returns'", baseline, n_envs)]])
        for (value, baseline, n_envs), rows in groups.items()
        if value == "'unbiased_returns'" and baseline != "none"
    ]
    lines.append(
        f'- `"unbiased_returns"`\'s MSE is {min(against_returns):.2f}-{max(against_returns):.2f} times that of `"returns"`, '
        "its batch-statistics counterpart, with a baseline."
    )
    lines.append(
        "- After N updates their cosine with the gradient is at least `True`'s in every row and every N."
        if not worse
        else f"- After N updates their cosine is below `True`'s in: {'; '.join(worse)}."
    )
    return lines


def report(args: argparse.Namespace) -> None:
    groups = rows_by_config(args.rollouts)
    command = "python benchmarks/unbiased_table.py run" + (
        f" --rollouts {args.rollouts}" if args.rollouts != test_unbiased.N_NORMALIZED_ROLLOUTS else ""
    )
    seeds = max(len(rows) for rows in groups.values())
    command += f" --seeds {seeds}"
    lines = [START, INTRO, *summary(groups), "", "### Bias", "", f"Command: `{command}` (seed 0's rows)", ""]
    lines += bias_table(groups, args.rollouts)
    lines += ["", "### Spread", "", f"Command: `{command}`", ""]
    lines += [*spread_table(groups, args.rollouts), END]
    page = PAGE.read_text()
    if START not in page or END not in page:
        raise SystemExit(f"{PAGE.relative_to(REPO)} has no {START} ... {END} block to rewrite")
    head, rest = page.split(START, 1)
    PAGE.write_text(head + "\n".join(lines) + rest.split(END, 1)[1])
    print(f"wrote {PAGE.relative_to(REPO)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="measure (resuming from the CSV) and write docs/unbiased.md")
    run_parser.add_argument("--seeds", type=int, default=5)
    report_parser = commands.add_parser("report", help="write docs/unbiased.md from the CSV")
    for sub in (run_parser, report_parser):
        sub.add_argument("--rollouts", type=int, default=test_unbiased.N_NORMALIZED_ROLLOUTS)
    args = parser.parse_args()
    run(args) if args.command == "run" else report(args)


if __name__ == "__main__":
    main()
