"""
Screen REINFORCE entries for LunarLander-v3 with our own tuner: the RL Zoo's Optuna search through our CLI, with
workers sharing one study in a journal file (``--storage benchmarks/lunarlander_study/study.log``).

Each worker runs::

    python -m sb3_reinforce.zoo train --algo reinforce --env LunarLander-v3 -n 500000 -optimize \\
        --storage benchmarks/lunarlander_study/study.log --study-name reinforce-lunarlander --max-total-trials 20 \\
        --sampler tpe --n-startup-trials 8 --pruner median --n-evaluations 10 --eval-episodes 10 \\
        --seed SEED --num-threads 1 --no-optim-plots -f /tmp/lunarlander_study \\
        -params n_envs:1 n_steps:1 baseline:"'value'" gamma:0.999

``-params`` holds the shipped entry's structure fixed (1 env, an update per episode, the value baseline, gamma
0.999: ``docs/benchmark.md``'s findings), so the search covers the rest of the sampler's space: the learning rate,
the entropy bonus, the networks and their activation, ``normalize_advantage``, ``max_grad_norm`` and the value
baseline's learning rate. A trial's score is its last evaluation (10 deterministic episodes), at 500k steps unless
the median pruner stops it earlier.

    python benchmarks/lunarlander_study.py worker --seed 1 &    # one worker per core
    python benchmarks/lunarlander_study.py worker --seed 2 &
    python benchmarks/lunarlander_study.py enqueue              # the hand-made candidates (ENQUEUED), tried next
    python benchmarks/lunarlander_study.py report               # docs/lunarlander_study.md, every trial

``enqueue`` puts the shipped entry, the earlier probe's change to it (``ent_coef`` 0.01, issue 19) and variants of that
change (``ENQUEUED``) into the study as trials to run next (Optuna's ``enqueue_trial``), so that they are scored by the
same protocol as the sampled ones. The workers stop at ``--max-total-trials``; a worker started again with a higher
one (``--max-trials``) runs what is still waiting.

The journal file is kept in the repository, so that ``report`` can be rerun, and the study resumed (a worker
started again adds trials up to ``--max-total-trials``).
"""

import argparse
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STUDY_DIR = REPO / "benchmarks" / "lunarlander_study"
DOCS = REPO / "docs"
STORAGE = STUDY_DIR / "study.log"
STUDY_NAME = "reinforce-lunarlander"
BUDGET = 500_000
MAX_TRIALS = 20
FIXED = ["n_envs:1", "n_steps:1", "baseline:'value'", "gamma:0.999"]
# The shipped entry (zoo_configs/reinforce.yml, LunarLander-v3) in the sampler's terms: lr 1e-3, SB3's default
# 64x64 tanh networks, SB3's batch standardisation, REINFORCE's default clipping and critic learning rate, no
# entropy bonus (the sampler's lowest, 1e-8); then the same with the probe's ent_coef 0.01
SHIPPED = {
    "learning_rate": 1e-3,
    "net_arch": "small",
    "activation_fn": "tanh",
    "normalize_advantage": True,
    "ent_coef": 1e-8,
    "max_grad_norm": 0.5,
    "vf_learning_rate": 1e-3,
}
ENQUEUED = [SHIPPED, {**SHIPPED, "ent_coef": 0.01}]
# Then, around the probe's change: other entropy coefficients, and ent_coef 0.01 with the returns scaling, a higher
# learning rate, or wider networks (issue 19's "not measured" list)
ENQUEUED += [
    {**SHIPPED, "ent_coef": 0.003},
    {**SHIPPED, "ent_coef": 0.03},
    {**SHIPPED, "ent_coef": 0.01, "normalize_advantage": "returns"},
    {**SHIPPED, "ent_coef": 0.01, "learning_rate": 2e-3},
    {**SHIPPED, "ent_coef": 0.01, "net_arch": "medium"},
]


def worker_command(seed: int, log_folder: str, max_trials: int = MAX_TRIALS) -> list[str]:
    """The zoo command one worker runs."""
    return [
        sys.executable, "-m", "sb3_reinforce.zoo", "train", "--algo", "reinforce", "--env", "LunarLander-v3",
        "-n", str(BUDGET), "-optimize", "--storage", str(STORAGE), "--study-name", STUDY_NAME,
        "--max-total-trials", str(max_trials), "--sampler", "tpe", "--n-startup-trials", "8", "--pruner", "median",
        "--n-evaluations", "10", "--eval-episodes", "10", "--seed", str(seed), "--num-threads", "1",
        "--no-optim-plots", "-f", log_folder, "-params", *FIXED,
    ]  # fmt: skip


def worker(args: argparse.Namespace) -> None:
    STUDY_DIR.mkdir(exist_ok=True)
    subprocess.run(worker_command(args.seed, args.log_folder, args.max_trials), check=True)


def enqueue(args: argparse.Namespace) -> None:
    """Put ``ENQUEUED`` into the study, to be run by the next free workers."""
    import optuna

    from sb3_reinforce.zoo.storage import ZOO_DIRECTION, _journal

    study = optuna.create_study(
        study_name=STUDY_NAME, storage=_journal(str(STORAGE)), load_if_exists=True, direction=ZOO_DIRECTION
    )
    for params in ENQUEUED:
        study.enqueue_trial(params, skip_if_exists=True)


def report(args: argparse.Namespace) -> None:
    """Write every trial of the study (state, score, last evaluation step, sampled values) to a markdown table."""
    import optuna

    from sb3_reinforce.zoo.storage import _journal

    study = optuna.load_study(study_name=STUDY_NAME, storage=_journal(str(STORAGE)))
    trials = sorted(study.trials, key=lambda trial: -(trial.value if trial.value is not None else float("-inf")))
    lines = [
        "# LunarLander-v3: the screening study",
        "",
        "Written by `python benchmarks/lunarlander_study.py report` from the journal file "
        "`benchmarks/lunarlander_study/study.log`; "
        "the workers' command is in that script's docstring. Fixed in every trial (`-params`): "
        + ", ".join(f"`{item}`" for item in FIXED)
        + f". Budget {BUDGET:,} steps a trial; score: the trial's last evaluation (10 deterministic episodes). "
        "FAIL: the worker was stopped during the trial (a machine restart), not a failure of the entry; WAITING: "
        "enqueued, not run.",
        "",
        "| trial | state | score | evaluations | learning_rate | ent_coef | net_arch | activation | normalize_advantage "
        "| max_grad_norm | vf_learning_rate |",
        "|---" * 11 + "|",
    ]
    for trial in trials:
        params = trial.params
        score = f"{trial.value:.1f}" if trial.value is not None else "-"
        last = max(trial.intermediate_values, default=None)
        reported = f"{len(trial.intermediate_values)}" + (
            f" (last {trial.intermediate_values[last]:.1f})" if last is not None else ""
        )
        cells = [
            str(trial.number),
            trial.state.name,
            score,
            reported,
            f"{params['learning_rate']:.2e}" if "learning_rate" in params else "-",
            f"{params['ent_coef']:.2e}" if "ent_coef" in params else "-",
            str(params.get("net_arch", "-")),
            str(params.get("activation_fn", "-")),
            str(params.get("normalize_advantage", "-")),
            f"{params['max_grad_norm']:.2f}" if "max_grad_norm" in params else "-",
            f"{params['vf_learning_rate']:.2e}" if "vf_learning_rate" in params else "-",
        ]
        lines += ["| " + " | ".join(cells) + " |"]
    complete = [trial for trial in trials if trial.value is not None]
    if complete:
        best = complete[0]
        lines += ["", f"Best: trial {best.number}, score {best.value:.1f}: `{best.params}`."]
    (DOCS / "lunarlander_study.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    worker_parser = commands.add_parser("worker", help="run one worker of the study")
    worker_parser.add_argument("--seed", type=int, required=True, help="the worker's seed (each worker its own)")
    worker_parser.add_argument("--log-folder", default="/tmp/lunarlander_study", help="the zoo's -f")
    worker_parser.add_argument("--max-trials", type=int, default=MAX_TRIALS, help="the zoo's --max-total-trials")
    commands.add_parser("enqueue", help="add the hand-made candidates to the study")
    commands.add_parser("report", help="write docs/lunarlander_study.md from the study")
    args = parser.parse_args()
    {"worker": worker, "enqueue": enqueue, "report": report}[args.command](args)


if __name__ == "__main__":
    main()
