"""
Screen entries for LunarLander-v3 (REINFORCE) and LunarLanderNoVel-v3 (RecurrentREINFORCE) with our own tuner: the
RL Zoo's Optuna search through our CLI, with workers sharing one study in a journal file (``STUDIES``: each study's
env, budget, the hyperparameters it holds fixed, and its hand-made candidates).

Each worker of the LunarLander-v3 study runs::

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

The LunarLanderNoVel-v3 study (``--study lunarlander_novel``, ``--algo reinforce_lstm``, its own journal file) holds
more fixed: LunarLander-v3's recipe (1 env, an update per episode, the value baseline, gamma 0.999, the entropy bonus
decaying from 0.02, ``'unbiased'``) and the shipped entry's policy (the zoo's ppo_lstm settings: ReLU, no orthogonal
initialisation, LSTM 64, 64-unit heads); it searches the learning rate, ``max_grad_norm`` and the value baseline's
learning rate, with 4 trials before TPE and the median pruner start.

    python benchmarks/lunarlander_study.py worker --seed 1 &    # one worker per core
    python benchmarks/lunarlander_study.py worker --seed 2 &
    python benchmarks/lunarlander_study.py enqueue              # the hand-made candidates (ENQUEUED), tried next
    python benchmarks/lunarlander_study.py report               # docs/tuning/lunarlander_study.md, every trial

and the same with ``--study lunarlander_novel`` before the command for the other study
(``docs/tuning/lunarlander_novel_study.md``).

``enqueue`` puts the shipped entry and variants of it (a study's ``enqueued``; for LunarLander-v3 the earlier
probe's change, ``ent_coef`` 0.01 of issue 19, and variants of that change) into the study as trials to run next
(Optuna's ``enqueue_trial``), so that they are scored by the same protocol as the sampled ones. The workers stop at
``--max-total-trials``; a worker started again with a higher one (``--max-trials``) runs what is still waiting.

The journal files are kept in the repository, so that ``report`` can be rerun, and a study resumed (a worker
started again adds trials up to ``--max-total-trials``).
"""

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"

# The shipped LunarLander-v3 entry (zoo_configs/reinforce.yml) in the sampler's terms: lr 1e-3, SB3's default
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

# The shipped LunarLanderNoVel-v3 entry (zoo_configs/reinforce_lstm.yml) in the sampler's terms (lr 3e-4,
# RecurrentREINFORCE's default clipping and critic learning rate), then the critic's learning rate at the actor's,
# and looser clipping
SHIPPED_NOVEL = {"learning_rate": 3e-4, "max_grad_norm": 0.5, "vf_learning_rate": 1e-3}
ENQUEUED_NOVEL = [SHIPPED_NOVEL, {**SHIPPED_NOVEL, "vf_learning_rate": 3e-4}, {**SHIPPED_NOVEL, "max_grad_norm": 2.0}]

# The sampler's values, by name, and how the report writes them
COLUMNS: dict[str, str] = {
    "learning_rate": "{:.2e}",
    "ent_coef": "{:.2e}",
    "net_arch": "{}",
    "activation_fn": "{}",
    "normalize_advantage": "{}",
    "max_grad_norm": "{:.2f}",
    "vf_learning_rate": "{:.2e}",
}


@dataclass
class Study:
    """
    One screening study.

    :param key: The study's name on the command line (``--study``); its journal file is
        ``benchmarks/<key>_study/study.log``, its page ``docs/tuning/<key>_study.md``, under the tuning notes
    :param title: The report's title
    :param algo: The zoo's ``--algo``
    :param env: The env id
    :param study_name: The zoo's ``--study-name``
    :param fixed: The ``-params`` held fixed in every trial
    :param enqueued: The hand-made candidates, in the sampler's terms
    :param columns: The sampled values the report shows (keys of ``COLUMNS``)
    :param budget: Steps a trial
    :param max_trials: The workers' ``--max-total-trials``
    :param startup_trials: The zoo's ``--n-startup-trials`` (random trials before TPE; the pruner's too)
    :param note: What the report says of the study besides the protocol
    """

    key: str
    title: str
    algo: str
    env: str
    study_name: str
    fixed: list[str]
    enqueued: list[dict[str, Any]]
    columns: list[str]
    budget: int = 500_000
    max_trials: int = 20
    startup_trials: int = 8
    note: str = (
        "FAIL: the worker was stopped during the trial (a machine restart), not a failure of the entry; WAITING: "
        "enqueued, not run."
    )

    @property
    def folder(self) -> str:
        return f"{self.key}_study"

    @property
    def page(self) -> str:
        return f"{self.key}_study.md"

    @property
    def storage(self) -> Path:
        return REPO / "benchmarks" / self.folder / "study.log"


STUDY_LIST = [
    Study(
        key="lunarlander",
        title="LunarLander-v3: the screening study",
        algo="reinforce",
        env="LunarLander-v3",
        study_name="reinforce-lunarlander",
        fixed=["n_envs:1", "n_steps:1", "baseline:'value'", "gamma:0.999"],
        enqueued=ENQUEUED,
        columns=list(COLUMNS),
    ),
    Study(
        key="lunarlander_novel",
        title="LunarLanderNoVel-v3: the screening study",
        algo="reinforce_lstm",
        env="LunarLanderNoVel-v3",
        study_name="reinforce_lstm-lunarlandernovel",
        fixed=[
            "n_envs:1",
            "n_steps:1",
            "baseline:'value'",
            "gamma:0.999",
            "normalize_advantage:'unbiased'",
            "ent_coef:'lin_0.02'",
            "policy_kwargs:dict(ortho_init=False, activation_fn=nn.ReLU, lstm_hidden_size=64, "
            "net_arch=dict(pi=[64], vf=[64]))",
        ],
        enqueued=ENQUEUED_NOVEL,
        columns=["learning_rate", "max_grad_norm", "vf_learning_rate"],
        max_trials=12,
        startup_trials=4,
        note=(
            "The observations are normalised in every trial (the entry's `normalize`). The zoo's objective builds each "
            "trial's model with `seed=None`: one run per trial, on a seed of its own, so a few tens of points are "
            "within the spread of seeds (the shipped entry, tuning seeds 0-2 at 1M steps: -31.9, -110.3, -96.9). "
            "PRUNED: stopped by the median pruner; WAITING: enqueued, not run."
        ),
    ),
]
STUDIES = {study.key: study for study in STUDY_LIST}


def worker_command(study: Study, seed: int, log_folder: str, max_trials: int | None = None) -> list[str]:
    """The zoo command one worker of ``study`` runs."""
    return [
        sys.executable, "-m", "sb3_reinforce.zoo", "train", "--algo", study.algo, "--env", study.env,
        "-n", str(study.budget), "-optimize", "--storage", str(study.storage), "--study-name", study.study_name,
        "--max-total-trials", str(max_trials or study.max_trials), "--sampler", "tpe",
        "--n-startup-trials", str(study.startup_trials), "--pruner", "median",
        "--n-evaluations", "10", "--eval-episodes", "10", "--seed", str(seed), "--num-threads", "1",
        "--no-optim-plots", "-f", log_folder, "-params", *study.fixed,
    ]  # fmt: skip


def worker(study: Study, args: argparse.Namespace) -> None:
    study.storage.parent.mkdir(exist_ok=True)
    subprocess.run(worker_command(study, args.seed, args.log_folder, args.max_trials), check=True)


def enqueue(study: Study, args: argparse.Namespace) -> None:
    """Put the study's hand-made candidates into it, to be run by the next free workers."""
    import optuna

    from sb3_reinforce.zoo.storage import ZOO_DIRECTION, _journal

    study.storage.parent.mkdir(exist_ok=True)
    optuna_study = optuna.create_study(
        study_name=study.study_name, storage=_journal(str(study.storage)), load_if_exists=True, direction=ZOO_DIRECTION
    )
    for params in study.enqueued:
        optuna_study.enqueue_trial(params, skip_if_exists=True)


def report(study: Study, args: argparse.Namespace) -> None:
    """Write every trial of the study (state, score, last evaluation step, sampled values) to a markdown table."""
    import optuna

    from sb3_reinforce.zoo.storage import _journal

    optuna_study = optuna.load_study(study_name=study.study_name, storage=_journal(str(study.storage)))
    trials = sorted(optuna_study.trials, key=lambda trial: -(trial.value if trial.value is not None else float("-inf")))
    flag = "" if study.key == "lunarlander" else f"--study {study.key} "
    lines = [
        f"# {study.title}",
        "",
        f"Written by `python benchmarks/lunarlander_study.py {flag}report` from the journal file "
        f"`benchmarks/{study.folder}/study.log`; the workers' command is in that script's docstring.",
        "",
        "- Fixed in every trial (`-params`): " + ", ".join(f"`{item}`" for item in study.fixed) + ".",
        f"- Budget {study.budget:,} steps a trial; score: the trial's last evaluation (10 deterministic episodes).",
        f"- {study.note}",
        "",
        "| trial | state | score | evaluations | " + " | ".join(name.removesuffix("_fn") for name in study.columns) + " |",
        "|---" * (4 + len(study.columns)) + "|",
    ]
    for trial in trials:
        params = trial.params
        score = f"{trial.value:.1f}" if trial.value is not None else "-"
        last = max(trial.intermediate_values, default=None)
        reported = f"{len(trial.intermediate_values)}" + (
            f" (last {trial.intermediate_values[last]:.1f})" if last is not None else ""
        )
        cells = [str(trial.number), trial.state.name, score, reported]
        cells += [COLUMNS[name].format(params[name]) if name in params else "-" for name in study.columns]
        lines += ["| " + " | ".join(cells) + " |"]
    complete = [trial for trial in trials if trial.value is not None]
    if complete:
        best = complete[0]
        lines += ["", f"Best: trial {best.number}, score {best.value:.1f}: `{best.params}`."]
    (DOCS / "tuning" / study.page).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--study", choices=list(STUDIES), default="lunarlander", help="which study (STUDIES)")
    commands = parser.add_subparsers(dest="command", required=True)
    worker_parser = commands.add_parser("worker", help="run one worker of the study")
    worker_parser.add_argument("--seed", type=int, required=True, help="the worker's seed (each worker its own)")
    worker_parser.add_argument("--log-folder", default="/tmp/lunarlander_study", help="the zoo's -f")
    worker_parser.add_argument("--max-trials", type=int, default=None, help="the zoo's --max-total-trials")
    commands.add_parser("enqueue", help="add the hand-made candidates to the study")
    commands.add_parser("report", help="write the study's page in docs/tuning/ from the study")
    args = parser.parse_args()
    {"worker": worker, "enqueue": enqueue, "report": report}[args.command](STUDIES[args.study], args)


if __name__ == "__main__":
    main()
