"""
What the benchmark's evaluations cost: the same training run under the protocol before (``OLD_EVAL_FREQ``: every
5,000 steps, 10 episodes on one env) and the protocol now (``EVAL_POINTS`` evaluations per run, 10 episodes spread over
``EVAL_ENVS`` envs), and without evaluations (``none``: the training alone), one run at a time, 1 torch thread. Run it
with nothing else on the machine.

    python benchmarks/bench_eval.py --envs LunarLander-v3 Hopper-v5 --seed 0

Each run is ``benchmark.train`` (the zoo's CLI) on a tuning seed with the shipped entry, the same seed under both
protocols: the difference in wall-clock time is what the evaluations cost. Rows go to benchmarks/data/eval_cost.csv
(replacing a row of the same env, algo, seed and protocol); ``benchmark.py report`` puts them on the benchmark page.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import (
    DATA,
    ENVS,
    EVAL_COST_FILE,
    EVAL_ENVS,
    EVAL_EPISODES,
    FEEDFORWARD_ALGOS,
    OLD_EVAL_ENVS,
    OLD_EVAL_FREQ,
    REPORTING_SEEDS,
    eval_freq,
    replace_row,
    train,
)

COST = DATA / EVAL_COST_FILE
FIELDS = ["env", "algo", "seed", "protocol", "eval_freq", "eval_envs", "eval_episodes", "evaluations", "seconds"]


def record(row: dict[str, str]) -> None:
    """Put a row into ``COST``, replacing the one of the same env, algo, seed and protocol."""
    replace_row(COST, FIELDS, row, key=("env", "algo", "seed", "protocol"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", nargs="+", default=["LunarLander-v3", "Hopper-v5"], choices=list(ENVS))
    parser.add_argument("--algo", default="reinforce", choices=FEEDFORWARD_ALGOS)
    parser.add_argument("--seed", type=int, default=0, help=f"a tuning seed (< {REPORTING_SEEDS})")
    parser.add_argument("--protocols", nargs="+", default=["before", "after"], choices=["before", "after", "none"])
    args = parser.parse_args()
    if args.seed >= REPORTING_SEEDS:
        parser.error(f"--seed: a tuning seed, 0 to {REPORTING_SEEDS - 1}")
    for env_id in args.envs:
        for protocol in args.protocols:
            every, envs = {
                "before": (OLD_EVAL_FREQ, OLD_EVAL_ENVS),
                "after": (eval_freq(env_id), EVAL_ENVS),
                "none": (10 * ENVS[env_id][0], 1),  # past the budget: no evaluation
            }[protocol]
            steps, _, _, seconds = train(args.algo, env_id, args.seed, threads=1, eval_every=every, eval_envs=envs)
            row = {"env": env_id, "algo": args.algo, "seed": str(args.seed), "protocol": protocol}
            row |= {"eval_freq": str(every), "eval_envs": str(envs), "eval_episodes": str(EVAL_EPISODES)}
            row |= {"evaluations": str(len(steps)), "seconds": f"{seconds:.1f}"}
            record(row)
            print(f"{env_id} {args.algo} seed {args.seed} {protocol}: {len(steps)} evaluations, {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
