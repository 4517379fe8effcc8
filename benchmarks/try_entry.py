"""
Try a candidate zoo entry (REINFORCE's by default, any of the benchmark's algorithms with ``--algo``) with the
benchmark's protocol, without touching the benchmark's data, on the tuning seeds (below ``REPORTING_SEEDS``, 1000):
the published tables use only the seeds from 1000 on, which no candidate is tried on.

Each seed runs ``python -m sb3_reinforce.zoo train`` exactly as ``benchmarks/benchmark.py run`` does (the benchmark's
evaluation protocol, docs/benchmark.md), but with the candidate entry in a temporary ``--conf-file``. It prints each
seed's score (the benchmark's: the mean of its evaluations over the last 10% of the budget) and final evaluation, how
many seeds' scores reach the threshold, how many seeds reached it at some evaluation and the median step at which
they first did.

    python benchmarks/try_entry.py CartPole-v1 --seeds 10 --workers 2 \\
        --entry '{"n_envs": 8, "n_steps": 16, "learning_rate": "lin_1e-2", "max_grad_norm": 0.1, "ent_coef": 0.01}'

    python benchmarks/try_entry.py CartPoleNoVel-v1 --algo reinforce_lstm --seeds 5 --workers 1 \\
        --entry '{"n_envs": 8, "n_steps": 16, "normalize": true, "policy_kwargs": "dict(lstm_hidden_size=64)"}'

The budget and threshold are the benchmark's (``ENVS`` in benchmarks/benchmark.py); ``n_timesteps`` and ``policy``
(``MlpLstmPolicy`` for the recurrent algorithms, ``MlpPolicy`` for the others) are filled in when the entry leaves
them out.
"""

import argparse
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import ALGOS, ENVS, RECURRENT_ALGOS, REPORTING_SEEDS, first_hit, score, train


def run_seed(
    algo: str, env_id: str, entry: dict, seed: int, keep_logs: Path | None = None
) -> tuple[float, float, float | None]:
    """
    Train one seed; print and return its score, its final evaluation and the first step at which it reached the
    threshold. ``keep_logs``: where to copy the run's zoo log folder (see ``benchmark.train``).
    """
    budget, threshold = ENVS[env_id]
    policy = "MlpLstmPolicy" if algo in RECURRENT_ALGOS else "MlpPolicy"
    entry = {"n_timesteps": budget, "policy": policy, **entry}
    steps, returns, _, seconds = train(algo, env_id, seed, threads=1, entry=entry, keep_logs=keep_logs)
    (seed_score, _), final, hit = score(steps, returns, budget), float(returns[-1]), first_hit(steps, returns, threshold)
    best = int(np.argmax(returns))
    print(
        f"seed {seed}: score {seed_score:.1f}, final {final:.1f}, best {returns[best]:.1f} at {steps[best]:,}, "
        f"first {threshold} at {'-' if hit is None else f'{hit:,.0f}'}, {seconds:.0f} s",
        flush=True,
    )
    return seed_score, final, hit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("env", choices=list(ENVS))
    parser.add_argument("--algo", default="reinforce", choices=ALGOS, help="the zoo's --algo")
    parser.add_argument("--entry", required=True, help="the zoo entry, as JSON")
    parser.add_argument("--seeds", type=int, default=5, help="how many seeds")
    parser.add_argument(
        "--first-seed", type=int, default=0, help=f"seeds FIRST..FIRST+N-1, tuning seeds (< {REPORTING_SEEDS})"
    )
    parser.add_argument("--keep-logs", type=Path, default=None, metavar="DIR", help="keep the zoo log folders there")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="runs at once")
    args = parser.parse_args()
    if args.first_seed + args.seeds > REPORTING_SEEDS:
        parser.error(
            f"candidates are tried on the tuning seeds only (0 to {REPORTING_SEEDS - 1}): seeds from {REPORTING_SEEDS} on "
            "are the reporting seeds of the published tables (benchmarks/benchmark.py run)"
        )
    entry = json.loads(args.entry)
    with ThreadPoolExecutor(args.workers) as pool:
        seeds = range(args.first_seed, args.first_seed + args.seeds)
        results = list(pool.map(lambda seed: run_seed(args.algo, args.env, entry, seed, args.keep_logs), seeds))
    threshold = ENVS[args.env][1]
    scores, finals = [seed_score for seed_score, _, _ in results], [final for _, final, _ in results]
    hits = [hit for _, _, hit in results if hit is not None]
    median = f"{np.median(hits):,.0f}" if hits else "-"
    print(f"scores {[round(s, 1) for s in scores]}: {np.mean(scores):.1f} ± {np.std(scores):.1f}")
    print(f"finals {[round(final, 1) for final in finals]}: {np.mean(finals):.1f} ± {np.std(finals):.1f}")
    print(f"scores at {threshold}: {sum(s >= threshold for s in scores)}/{len(results)} seeds")
    print(f"reached {threshold} during the run: {len(hits)}/{len(results)} seeds, median step {median}")


if __name__ == "__main__":
    main()
