"""
The exact-gradient harness of ``tests/test_unbiased.py`` as a table: for each advantage normalisation, baseline and
batch size, the cosine of the averaged update with the exact policy gradient, the fitted scale c, and the largest
and root-mean-square z-scores of the update against c grad J (policy frozen, baselines learning during the run,
3,000 rollouts). An unbiased estimator has |z| of order 1; the tests flag |z| > 6 and accept |z| < 4.

Usage: python benchmarks/unbiased_table.py [--rollouts 3000]
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import torch as th

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import test_unbiased

ESTIMATORS = [
    ("unbiased", "the default: other envs' / earlier batches' statistics"),
    (True, "SB3's batch standardisation"),
    (False, "none"),
]
BATCHES = [(3, 2), (1, 2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rollouts", type=int, default=test_unbiased.N_NORMALIZED_ROLLOUTS)
    args = parser.parse_args()
    test_unbiased.N_NORMALIZED_ROLLOUTS = args.rollouts
    th.set_num_threads(1)
    print(f"ChainMDP (horizon {test_unbiased.HORIZON}), policy frozen, {args.rollouts} rollouts per row.")
    print(f"Command: python benchmarks/unbiased_table.py --rollouts {args.rollouts}")
    print()
    print("| normalize_advantage | baseline | envs x n_steps | cosine | c | max abs z | z-RMS |")
    print("|---|---|---|---|---|---|---|")
    for value, name in ESTIMATORS:
        for baseline in ("none", "value", "linear"):
            for n_envs, n_steps in BATCHES:
                similarity, scale, z = test_unbiased.compare_direction(baseline, value, n_envs, n_steps)
                print(
                    f"| `{value!r}` ({name}) | {baseline} | {n_envs} x {n_steps} | {similarity:.4f} | {scale:.2f} "
                    f"| {np.abs(z).max():.1f} | {np.sqrt((z**2).mean()):.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
