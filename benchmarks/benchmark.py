"""
Learning benchmark: REINFORCE (zoo_configs/reinforce.yml) against the RL Zoo's A2C and PPO configs, and
RecurrentREINFORCE (zoo_configs/reinforce_lstm.yml) against the zoo's RecurrentPPO (``ppo_lstm``) on partially
observed envs, on the same envs, seeds and evaluation protocol, through the same command line.

Protocol: every 5,000 steps, 10 deterministic episodes on a separate evaluation env (the zoo's
EvalCallback, VecNormalize statistics synced). Each run is
``python -m sb3_reinforce.zoo train --algo ALGO --env ENV --seed SEED -n BUDGET --eval-freq 5000 --eval-episodes 10``.

    python benchmarks/benchmark.py run --envs CartPole-v1 --seeds 10 --workers 2   # train (appends to the raw data)
    python benchmarks/benchmark.py run --envs CartPoleNoVel-v1 --seeds 5           # reinforce_lstm and ppo_lstm
    python benchmarks/benchmark.py report                                          # tables and curves from the raw data

``run`` stores each run's evaluations as benchmarks/data/ENV/ALGO_seedSEED.csv (timesteps, mean return,
mean episode length; runs older than the length column have the first two) and its wall-clock time in
benchmarks/data/runs.csv. ``report`` rebuilds, from those files alone and without retraining, every table and figure
of the results: docs/benchmark.md, one learning-curve PNG per env (docs/images/benchmark/), the summary tables of the
algorithm pages (docs/modules/reinforce.md, reinforce_recurrent.md) and the README's teaser. It aggregates the seeds
with rliable: ``pip install -e ".[benchmark]"`` (rliable 1.2 needs arch < 8, which fails to import with pandas 3, so
the extra pins both).

Each env belongs to one suite (``SUITES``), which names the algorithms compared on it. Where the zoo has no entry
for an env id, the entry of the nearest version is used (``ZOO_ALIASES``); where it has none at all, the benchmark's
own (``ENTRIES``); the report says so.
"""

import argparse
import csv
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import cache, reduce
from pathlib import Path
from typing import Any

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "benchmarks" / "data"
# The pages and the curves that `report` writes
DOCS = REPO / "docs"
IMAGES = DOCS / "images" / "benchmark"
FEEDFORWARD_ALGOS = ("reinforce", "a2c", "ppo")
RECURRENT_ALGOS = ("reinforce_lstm", "ppo_lstm")
ALGOS = FEEDFORWARD_ALGOS + RECURRENT_ALGOS
# Variants: a label with runs of its own (DATA/ENV/LABEL_seedN.csv), trained by a zoo algorithm with the entries of a
# file of its own. "-biased": the entries as shipped before every entry moved to a direction-unbiased normalisation,
# run on the same reporting seeds so that what unbiasedness costs or gains is measured
ENTRIES_DIR = REPO / "benchmarks" / "entries"
VARIANTS = {
    "reinforce-biased": ("reinforce", ENTRIES_DIR / "reinforce-biased.yml"),
    "reinforce_lstm-biased": ("reinforce_lstm", ENTRIES_DIR / "reinforce_lstm-biased.yml"),
}
# Seeds: below REPORTING_SEEDS the tuning seeds (try_entry.py, the tuner, the probes), from it the reporting seeds, the
# only ones `run` trains and the report publishes, so that no published figure comes from a seed an entry was picked on
REPORTING_SEEDS = 1000
NAMES = {
    "reinforce": "REINFORCE",
    "a2c": "A2C",
    "ppo": "PPO",
    "reinforce_lstm": "RecurrentREINFORCE",
    "ppo_lstm": "RecurrentPPO",
    "reinforce-biased": "REINFORCE (biased entry)",
    "reinforce_lstm-biased": "RecurrentREINFORCE (biased entry)",
}
# The evaluation protocol: EVAL_POINTS evaluations per run (one every budget / EVAL_POINTS steps), each of EVAL_EPISODES
# deterministic episodes spread over EVAL_ENVS envs (SB3's evaluate_policy gives each env the same number of episodes,
# so short episodes are not favoured). A seed's score is the mean of its evaluations over the last SCORE_WINDOW of the
# budget: EVAL_POINTS * SCORE_WINDOW evaluations, at least SCORE_EPISODES episodes
EVAL_POINTS, EVAL_EPISODES, EVAL_ENVS = 100, 10, 10
SCORE_WINDOW, SCORE_EPISODES = 0.1, 100
# The protocol before: every 5,000 steps, 10 episodes on one env (runs.csv's older rows, benchmarks/bench_eval.py's
# "before")
OLD_EVAL_FREQ, OLD_EVAL_ENVS = 5_000, 1


# env id: (training budget, threshold)
ENVS = {
    "CartPole-v1": (100_000, 475),
    "Acrobot-v1": (500_000, -100),
    "LunarLander-v3": (1_000_000, 200),
    "Pendulum-v1": (1_000_000, -200),
    "InvertedPendulum-v5": (1_000_000, 950),
    "HalfCheetah-v5": (1_000_000, 1000),
    # Threshold: Tianshou's REINFORCE at 3M steps (PUBLISHED), the figure to beat at 1M
    "Hopper-v5": (1_000_000, 396),
    "Walker2d-v5": (1_000_000, 412),
    "Swimmer-v5": (1_000_000, 35),
    "InvertedDoublePendulum-v5": (1_000_000, 1060),
    # Partially observed (the zoo's velocity-masked envs, and sb3_reinforce.zoo.envs's memory task)
    "CartPoleNoVel-v1": (100_000, 475),
    # Return +1 for the right answer, -1 for the wrong one: the threshold is every evaluation episode answered right
    "CueRecall-v0": (100_000, 1.0),
    "MountainCarContinuousNoVel-v0": (300_000, 90),
    "LunarLanderNoVel-v3": (1_000_000, 200),
}


def eval_freq(env_id: str) -> int:
    """The steps between two evaluations of the protocol: the budget over ``EVAL_POINTS``."""
    return ENVS[env_id][0] // EVAL_POINTS


RECURRENT_ENVS = ("CartPoleNoVel-v1", "CueRecall-v0", "MountainCarContinuousNoVel-v0", "LunarLanderNoVel-v3")
# suite: (its algorithms, its env ids, the README's markers around its summary table)
SUITES = {
    "feedforward": (FEEDFORWARD_ALGOS, tuple(env for env in ENVS if env not in RECURRENT_ENVS), "benchmark-summary"),
    "recurrent": (RECURRENT_ALGOS, RECURRENT_ENVS, "benchmark-recurrent"),
}
SUITE_TITLES = {"feedforward": "REINFORCE vs A2C vs PPO", "recurrent": "RecurrentREINFORCE vs RecurrentPPO"}
# The zoo's A2C/PPO configs for env ids it lacks: (algo, env id) -> the zoo entry used instead
ZOO_ALIASES = {
    ("a2c", "HalfCheetah-v5"): "HalfCheetah-v4",
    ("ppo", "HalfCheetah-v5"): "HalfCheetah-v4",
    ("a2c", "InvertedPendulum-v5"): "HalfCheetah-v4",  # the zoo's shared MuJoCo defaults for A2C
    ("ppo", "InvertedPendulum-v5"): "InvertedPendulum-v2",
    ("a2c", "Hopper-v5"): "Hopper-v4",
    ("ppo", "Hopper-v5"): "Hopper-v4",
    ("a2c", "Walker2d-v5"): "Walker2d-v4",
    ("ppo", "Walker2d-v5"): "Walker2d-v4",
    ("a2c", "Swimmer-v5"): "Swimmer-v4",
    ("ppo", "Swimmer-v5"): "Swimmer-v4",
    ("a2c", "InvertedDoublePendulum-v5"): "HalfCheetah-v4",
    ("ppo", "InvertedDoublePendulum-v5"): "InvertedDoublePendulum-v2",
    ("ppo_lstm", "LunarLanderNoVel-v3"): "LunarLanderNoVel-v2",  # ppo_lstm.yml still names the v2 id
}
# Entries for env ids the zoo has no entry for under any version: (algo, env id) -> entry. The benchmark page says why
# each is set as it is
ENTRIES: dict[tuple[str, str], dict] = {
    ("ppo_lstm", "CueRecall-v0"): {
        "policy": "MlpLstmPolicy",
        "n_timesteps": 100_000,
        "n_envs": 8,
        "n_steps": 4,
        "batch_size": 32,
    },
}
# The hand-written pages whose marked blocks `report` writes, and the data it writes them from (besides DATA's runs):
# the tuning history (what else was tried, per env) and the published figures quoted beside ours
BENCHMARK_PAGE = DOCS / "benchmark.md"
TUNING_PAGE = DOCS / "tuning" / "index.md"
TRIED = DATA / "tried.yml"
PUBLISHED = DATA / "published.yml"
# Why a label has neither reporting runs nor a published figure on an env: env -> label -> reason
PENDING = DATA / "pending.yml"
# bench_eval.py's wall-clock times of one run under each evaluation protocol, in DATA
EVAL_COST_FILE = "eval_cost.csv"

# The README's results teaser: these envs' rows of the summary tables
TEASER_ENVS = ("CartPole-v1", "LunarLander-v3", "HalfCheetah-v5", "Hopper-v5", "CartPoleNoVel-v1", "CueRecall-v0")
# The algorithm page whose Results section holds each suite's summary table
SUITE_PAGES = {"feedforward": "reinforce.md", "recurrent": "reinforce_recurrent.md"}
BOOTSTRAP_REPS = 2000  # as the zoo's plot_from_file


def algos_of(env_id: str) -> tuple[str, ...]:
    """The algorithms compared on an env: those of its suite."""
    return next(algos for algos, env_ids, _ in SUITES.values() if env_id in env_ids)


def zoo_alias_entry(algo: str, env_id: str) -> dict | None:
    """
    The entry to use instead of the default one: the benchmark's own (``ENTRIES``), or the zoo's entry of the aliased
    env id (``ZOO_ALIASES``), or None if the zoo's (or reinforce*.yml's) entry for the id is used.
    """
    if (algo, env_id) in ENTRIES:
        return ENTRIES[(algo, env_id)]
    if (algo, env_id) not in ZOO_ALIASES:
        return None
    import rl_zoo3

    with open(Path(rl_zoo3.__file__).parent / "hyperparams" / f"{algo}.yml") as file:
        return yaml.safe_load(file)[ZOO_ALIASES[(algo, env_id)]]


def train(
    algo: str,
    env_id: str,
    seed: int,
    threads: int,
    entry: dict | None = None,
    keep_logs: Path | None = None,
    eval_every: int | None = None,
    eval_envs: int = EVAL_ENVS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """
    Train one agent with the zoo's CLI and the benchmark's protocol.

    :param algo: One of ``ALGOS``, or a label of ``VARIANTS``
    :param env_id: One of ``ENVS``
    :param seed: The zoo's --seed
    :param threads: Torch threads
    :param entry: A zoo entry to use instead of the default one (the shipped reinforce*.yml, or the zoo's own
        entry; ``ENTRIES`` or ``ZOO_ALIASES`` for ids the zoo lacks)
    :param keep_logs: A folder to copy the zoo's log folder of the run to (final model, VecNormalize statistics,
        evaluations, Monitor files), as ``KEEP/ENV/ALGO_seedN``; None: it goes with the temporary directory
    :param eval_every: Steps between evaluations (the zoo's --eval-freq); None: the protocol's, ``eval_freq(env_id)``
    :param eval_envs: Evaluation envs (the zoo's --n-eval-envs), over which the ``EVAL_EPISODES`` episodes are spread
    :return: The evaluation steps, the mean evaluation return and episode length at each, and the wall-clock time
        in seconds
    """
    budget = ENVS[env_id][0]
    if algo in VARIANTS:
        algo, entries_file = VARIANTS[algo]
        if entry is None:
            entry = yaml.safe_load(entries_file.read_text())[env_id]
    if entry is None:
        entry = zoo_alias_entry(algo, env_id)
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "sb3_reinforce.zoo", "train", "--algo", algo, "--env", env_id]
        command += ["--seed", str(seed), "-n", str(budget), "-f", tmp, "--vec-env", "dummy"]
        every = eval_freq(env_id) if eval_every is None else eval_every
        command += ["--eval-freq", str(every), "--eval-episodes", str(EVAL_EPISODES), "--n-eval-envs", str(eval_envs)]
        command += ["--num-threads", str(threads), "--log-interval", "-2"]
        if entry is not None:
            conf_file = Path(tmp) / f"{algo}_{env_id}.yml"
            conf_file.write_text(yaml.safe_dump({env_id: entry}))
            command += ["--conf-file", str(conf_file)]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        wall_clock = time.perf_counter() - start
        run_folder = next(Path(tmp).glob(f"{algo}/{env_id}_*/"))
        if keep_logs is not None:
            shutil.copytree(run_folder, keep_logs / env_id / f"{algo}_seed{seed}", dirs_exist_ok=True)
        if not (run_folder / "evaluations.npz").exists():  # eval_every past the budget: no evaluation
            return np.zeros(0), np.zeros(0), np.zeros(0), wall_clock
        evaluations = np.load(run_folder / "evaluations.npz")
    return evaluations["timesteps"], evaluations["results"].mean(axis=1), evaluations["ep_lengths"].mean(axis=1), wall_clock


def first_hit(steps: np.ndarray, returns: np.ndarray, threshold: float) -> float | None:
    """The first evaluation step at which the mean return reached the threshold, or None."""
    reached = np.flatnonzero(returns >= threshold)
    return float(steps[reached[0]]) if len(reached) else None


def run_one(algo: str, env_id: str, seed: int, threads: int, keep_logs: Path | None = None) -> float:
    """
    Train one agent; save its evaluations as CSV (and its zoo log folder under ``keep_logs``, see ``train``);
    return the wall-clock time.
    """
    steps, returns, lengths, wall_clock = train(algo, env_id, seed, threads, keep_logs=keep_logs)
    out = DATA / env_id / f"{algo}_seed{seed}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["timesteps", "mean_return", "mean_length"])
        for step, mean_return, mean_length in zip(steps, returns, lengths, strict=True):
            writer.writerow([int(step), f"{float(mean_return):.2f}", f"{float(mean_length):.1f}"])
    return wall_clock


# runs.csv's columns: the run, its wall-clock time and its evaluation protocol (steps between evaluations, envs)
RUNS_FIELDS = ["env", "algo", "seed", "seconds", "eval_freq", "eval_envs"]


def record_wall_clock(algo: str, env_id: str, seed: int, seconds: float) -> None:
    """Record a run's wall-clock time and its evaluation protocol (the current one) in runs.csv."""
    runs = DATA / "runs.csv"
    # Several benchmark processes may share the file: hold a lock for the read-modify-write
    with open(DATA / ".runs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _replace_row(runs, algo, env_id, seed, seconds)


def _replace_row(runs: Path, algo: str, env_id: str, seed: int, seconds: float) -> None:
    row = {"env": env_id, "algo": algo, "seed": str(seed), "seconds": f"{seconds:.1f}"}
    row |= {"eval_freq": str(eval_freq(env_id)), "eval_envs": str(EVAL_ENVS)}
    replace_row(runs, RUNS_FIELDS, row, key=("env", "algo", "seed"))


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file of the benchmark's data (none where the file does not exist yet)."""
    if not path.exists():
        return []
    with open(path) as file:
        return list(csv.DictReader(file))


def replace_row(path: Path, fields: list[str], row: dict[str, str], key: tuple[str, ...]) -> None:
    """
    Put a row into a CSV file of the benchmark's data, replacing the row that has the same values in the ``key``
    columns; the rows are kept sorted by those columns (the seed as a number).
    """

    def order(item: dict[str, str]) -> tuple:
        return tuple(int(item[column]) if column == "seed" else item[column] for column in key)

    rows = [old for old in read_rows(path) if any(old[column] != row[column] for column in key)]
    rows.append(row)
    rows.sort(key=order)
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def run(args: argparse.Namespace) -> None:
    if args.first_seed < REPORTING_SEEDS:
        raise SystemExit(
            f"run trains the reporting seeds only (--first-seed >= {REPORTING_SEEDS}); try an entry on the tuning seeds "
            f"(0 to {REPORTING_SEEDS - 1}) with benchmarks/try_entry.py"
        )
    jobs = [
        (algo, env_id, seed)
        for env_id in args.envs
        for algo in args.algos
        if algo in algos_of(env_id) or (algo in VARIANTS and VARIANTS[algo][0] in algos_of(env_id))
        for seed in range(args.first_seed, args.first_seed + args.seeds)
    ]
    DATA.mkdir(parents=True, exist_ok=True)

    def job(spec: tuple[str, str, int]) -> None:
        seconds = run_one(*spec, threads=args.threads, keep_logs=args.keep_logs)
        record_wall_clock(*spec, seconds)
        print(f"{spec[1]} {spec[0]} seed {spec[2]}: {seconds:.0f} s", flush=True)

    # Threads only wait on the training subprocesses; record_wall_clock's lock serialises their writes
    with ThreadPoolExecutor(args.workers) as pool:
        list(pool.map(job, jobs))


def load_curves(env_id: str, algo: str) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """
    The stored evaluations of a label on an env, by seed: the reporting seeds' (from ``REPORTING_SEEDS`` on), the only
    ones the report publishes. The tuning seeds' runs in ``DATA`` (from before the split) stay as raw data.
    """
    curves = {}
    for path in sorted((DATA / env_id).glob(f"{algo}_seed*.csv")):
        seed = int(path.stem.split("seed")[1])
        if seed < REPORTING_SEEDS:
            continue
        data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
        curves[seed] = (data[:, 0], data[:, 1])
    return dict(sorted(curves.items()))


def wall_clocks() -> dict[tuple[str, str], list[float]]:
    """The recorded wall-clock seconds of each (env, label)'s runs on the reporting seeds, the tables' only seeds."""
    times: dict[tuple[str, str], list[float]] = {}
    for row in run_rows():
        times.setdefault((row["env"], row["algo"]), []).append(float(row["seconds"]))
    return times


def run_rows() -> list[dict[str, str]]:
    """runs.csv's rows of the reporting seeds, the tables' only seeds (a row without the protocol columns: the one before)."""
    rows = [row for row in read_rows(DATA / "runs.csv") if int(row["seed"]) >= REPORTING_SEEDS]
    return [
        {"eval_freq": str(OLD_EVAL_FREQ), "eval_envs": str(OLD_EVAL_ENVS)} | {k: v for k, v in row.items() if v}
        for row in rows
    ]


def protocols() -> dict[tuple[str, str], set[tuple[int, int]]]:
    """The evaluation protocols (steps between evaluations, envs) of each (env, label)'s runs on the reporting seeds."""
    found: dict[tuple[str, str], set[tuple[int, int]]] = {}
    for row in run_rows():
        found.setdefault((row["env"], row["algo"]), set()).add((int(row["eval_freq"]), int(row["eval_envs"])))
    return found


def labels_in_order() -> list[str]:
    """Every label, each variant after its algorithm."""
    return [label for algo in ALGOS for label in (algo, *(v for v, (base, _) in VARIANTS.items() if base == algo))]


def labels_of(env_id: str) -> tuple[str, ...]:
    """The rows of an env: its suite's algorithms, each followed by its variants."""
    labels: list[str] = []
    for algo in algos_of(env_id):
        labels += [algo, *(label for label, (base, _) in VARIANTS.items() if base == algo)]
    return tuple(labels)


@cache
def load_yaml(path: Path) -> Any:
    """A YAML file of the benchmark's data or of zoo_configs/, read once per report."""
    return yaml.safe_load(path.read_text())


def shipped(env_id: str) -> tuple[str, dict | None]:
    """The zoo_configs/ file that holds an env's shipped entry, and the entry (None if it has none)."""
    config = "reinforce_lstm.yml" if env_id in RECURRENT_ENVS else "reinforce.yml"
    return config, load_yaml(REPO / "zoo_configs" / config).get(env_id)


def same_entry(env_id: str, label: str) -> bool:
    """Whether a variant's entry for an env is the shipped one (a biased-entry row that would train the same agent)."""
    return load_yaml(VARIANTS[label][1]).get(env_id) == shipped(env_id)[1]


def missing_cell(env_id: str, label: str) -> str:
    """
    The summary cell of a label without reporting runs on an env: "same entry" for a variant whose entry is the
    shipped one, else the zoo's published figure (``PUBLISHED``), else why it has none yet (``PENDING``).
    """
    if label in VARIANTS and same_entry(env_id, label):
        return "same entry"
    for row in published()["zoo"].get(env_id, []):
        if row["label"] == label:
            return f"published: {row['mean']:.0f} ± {row['std']:.0f} ({row['env']}, {row['steps']}, 1 run)"
    pending = load_yaml(PENDING) or {}
    if label not in pending.get(env_id, {}):
        raise ValueError(f"{env_id} {label}: no reporting runs, no published figure and no reason in {PENDING}")
    return f"pending: {pending[env_id][label]}"


def interval_estimates(scores: dict[str, np.ndarray], statistic) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """
    rliable's point estimates and stratified-bootstrap 95% confidence intervals, as the zoo's ``plot_from_file
    --rliable`` computes them (2,000 resamples), with a fixed random state so that the report is reproducible.

    :param scores: label -> scores, shape (runs, tasks, ...)
    :param statistic: The aggregate (scores -> array)
    :return: The point estimates and the intervals (lower and upper rows), per label
    """
    try:
        from rliable import library as rly
    except Exception as error:  # rliable 1.2 needs arch < 8, which fails to import with pandas >= 3
        raise SystemExit(f'report needs rliable: pip install -e ".[benchmark]" from the clone\'s root ({error})') from error
    # rliable's StratifiedBootstrap draws its resamples with the global np.random.choice, not with the random_state
    # it is given: seed the global generator for the call, and put its state back after
    global_state = np.random.get_state()
    np.random.seed(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # arch's notice about the random state's type
            return rly.get_interval_estimates(
                scores, statistic, reps=BOOTSTRAP_REPS, confidence_interval_size=0.95, random_state=np.random.RandomState(0)
            )
    finally:
        np.random.set_state(global_state)


def score(steps: np.ndarray, returns: np.ndarray, budget: int) -> tuple[float, int]:
    """
    A seed's score: the mean of its evaluations over the last ``SCORE_WINDOW`` of the budget (those after
    ``(1 - SCORE_WINDOW) * budget`` steps, the budget's overshoot included).

    :return: The score and the number of evaluation episodes it averages
    """
    window = steps > (1 - SCORE_WINDOW) * budget
    return float(np.mean(returns[window])), int(window.sum()) * EVAL_EPISODES


def summarise(curves: dict[int, tuple[np.ndarray, np.ndarray]], budget: int, threshold: float) -> dict | None:
    """
    The seeds' scores (``score``) and their interquartile mean with its stratified-bootstrap 95% interval (rliable's
    ``aggregate_iqm``), the seeds whose score reaches the threshold, and the seeds whose evaluations reached it with
    their median first step.
    """
    if not curves:
        return None
    from rliable import metrics

    scored = [score(steps, returns, budget) for steps, returns in curves.values()]
    scores = np.array([value for value, _ in scored])
    iqm, interval = interval_estimates({"scores": scores[:, None]}, lambda x: np.array([metrics.aggregate_iqm(x)]))
    hits = [hit for steps, returns in curves.values() if (hit := first_hit(steps, returns, threshold)) is not None]
    return {
        "seeds": list(curves),
        "scores": scores,
        "episodes": min(episodes for _, episodes in scored),
        "solved": int((scores >= threshold).sum()),
        "iqm": float(iqm["scores"][0]),
        "interval": (float(interval["scores"][0, 0]), float(interval["scores"][1, 0])),
        "hits": len(hits),
        "median_hit": float(np.median(hits)) if hits else None,
    }


def seed_ranges(seeds: list[int]) -> str:
    """Seeds as ranges: [0, 1, 2, 1000] -> "0-2, 1000"."""
    ranges: list[list[int]] = []
    for seed in sorted(seeds):
        if ranges and seed == ranges[-1][1] + 1:
            ranges[-1][1] = seed
        else:
            ranges.append([seed, seed])
    return ", ".join(f"{first}" if first == last else f"{first}-{last}" for first, last in ranges)


def number(value: float, env_id: str, extra: int = 0) -> str:
    digits = (2 if abs(ENVS[env_id][1]) < 10 else 0) + extra  # the memory task's returns lie in [-1, 1]
    return f"{value:.{digits}f}"


def score_cell(row: dict, env_id: str, extra: int = 0) -> str:
    """
    The IQM of the scores with its 95% interval (one seed has none), marked with a dagger where a seed's score
    averages fewer than ``SCORE_EPISODES`` episodes.
    """
    iqm = number(row["iqm"], env_id, extra)
    dagger = "†" if row["episodes"] < SCORE_EPISODES else ""
    if len(row["seeds"]) == 1:
        return iqm + dagger
    low, high = (number(bound, env_id, extra) for bound in row["interval"])
    return f"{iqm} [{low}, {high}]{dagger}"


def plot(env_id: str, curves_by_label: dict[str, dict[int, tuple[np.ndarray, np.ndarray]]], path: Path) -> None:
    """Learning curves: at each evaluation, the IQM over seeds and its stratified-bootstrap 95% interval (rliable)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy.stats import trim_mean

    fig, ax = plt.subplots(figsize=(6, 4))
    for label, curves in curves_by_label.items():
        if not curves:
            continue
        # The evaluations every seed has (runs of an older protocol evaluate on a finer grid)
        steps = reduce(np.intersect1d, [steps for steps, _ in curves.values()])
        returns = np.stack([returns[np.isin(run_steps, steps)] for run_steps, returns in curves.values()])
        # rliable's aggregate_iqm at every evaluation at once: the 25% trimmed mean over the runs
        iqm, interval = interval_estimates({label: returns[:, None, :]}, lambda x: trim_mean(x[:, 0, :], 0.25, axis=0))
        seeds = f"{len(curves)} seed{'s' if len(curves) > 1 else ''}"
        ax.plot(steps, iqm[label], label=f"{NAMES[label]} ({seeds})")
        ax.fill_between(steps, interval[label][0], interval[label][1], alpha=0.2)
    ax.axhline(ENVS[env_id][1], color="grey", linestyle="--", linewidth=0.8, label="threshold")
    ax.set_xlabel("environment steps")
    ax.set_ylabel(f"evaluation return, IQM ({EVAL_EPISODES} episodes)")
    ax.set_title(env_id)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def update_between_markers(path: Path, table: list[str], marker: str) -> None:
    """Put a table into a page (README.md, an algorithm page), between its two ``marker`` comments."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    text = path.read_text()
    before, rest = text.split(start)
    after = rest.split(end)[1]
    path.write_text(before + start + "\n" + "\n".join(table) + "\n" + end + after)


def summary_table(labels: list[str], summaries: dict[str, dict[str, dict | None]]) -> list[str]:
    """
    One row per env that has runs: the scores' IQM [95% CI], the seeds whose score reaches the threshold / the median
    steps to the threshold (the seeds whose evaluations reached it).
    """
    table = ["| env (budget, threshold) | " + " | ".join(NAMES[label] for label in labels) + " |"]
    table += ["|---" * (len(labels) + 1) + "|"]
    for env_id, rows in summaries.items():
        if not any(rows.values()):
            continue
        cells = [f"{env_id} ({ENVS[env_id][0] // 1000}k, {ENVS[env_id][1]})"]
        for label in labels:
            row = rows.get(label)
            if row is None:
                cells.append(missing_cell(env_id, label))
                continue
            median = f"{row['median_hit'] / 1000:.1f}k" if row["median_hit"] is not None else "-"
            seeds = len(row["seeds"])
            cells.append(f"{score_cell(row, env_id)}, {row['solved']}/{seeds} / {median} ({row['hits']}/{seeds})")
        table += ["| " + " | ".join(cells) + " |"]
    return table


def published() -> dict:
    """The published figures quoted beside ours (``PUBLISHED``): rows of an env's table, Tianshou's MuJoCo figures."""
    return load_yaml(PUBLISHED)


def envs_phrase(envs: int) -> str:
    """ "1 env", "10 envs"."""
    return f"{envs} env{'s' if envs > 1 else ''}"


def protocol_cell(found: set[tuple[int, int]]) -> str:
    """The evaluation protocols of a row's runs: "every 10k steps, 10 envs"."""
    return "; ".join(f"every {freq / 1000:g}k steps, {envs_phrase(envs)}" for freq, envs in sorted(found))


def env_table(
    env_id: str,
    rows: dict[str, dict | None],
    times: dict[tuple[str, str], list[float]],
    found: dict[tuple[str, str], set[tuple[int, int]]],
) -> list[str]:
    """
    An env's rows: which seeds, the scores' IQM [95% CI], each seed's score, the seeds whose score reaches the
    threshold, those whose evaluations reached it and the median step, the wall-clock and the evaluation protocol.
    """
    lines = [
        "| algo | seeds | score: IQM [95% CI] | each seed's score | score at the threshold | evaluations reaching it "
        "| median steps to it | wall-clock (s) | evaluations |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, row in rows.items():
        if row is None:
            continue
        median = f"{row['median_hit']:,.0f}" if row["median_hit"] is not None else "-"
        seconds = times.get((env_id, label))
        each = ", ".join(number(value, env_id, 1) for value in row["scores"])
        seeds = len(row["seeds"])
        cells = [NAMES[label], seed_ranges(row["seeds"]), score_cell(row, env_id, 1), each, f"{row['solved']}/{seeds}"]
        cells += [f"{row['hits']}/{seeds}", median, f"{np.mean(seconds):.0f}" if seconds else "-"]
        cells += [protocol_cell(found.get((env_id, label), set()))]
        lines += ["| " + " | ".join(cells) + " |"]
    for row in published()["zoo"].get(env_id, []):
        figure = f"{row['mean']:.1f} ± {row['std']:.1f} at {row['steps']} (mean ± std over the episodes of one agent)"
        lines += [f"| {NAMES[row['label']]}, published (rl-baselines3-zoo `benchmark.md`, {row['env']}) | 1 run | {figure} |"]
        lines[-1] += " - |" * 6
    missing = {label: missing_cell(env_id, label) for label, row in rows.items() if row is None}
    lines += [
        f"| {NAMES[label]} | - | {cell} |" + " - |" * 6 for label, cell in missing.items() if not cell.startswith("published")
    ]
    return lines


def env_block(
    env_id: str,
    rows: dict[str, dict | None],
    curves: dict[str, dict[int, tuple[np.ndarray, np.ndarray]]],
    times: dict[tuple[str, str], list[float]],
    found: dict[tuple[str, str], set[tuple[int, int]]],
) -> list[str]:
    """An env's section of the benchmark page: its budget and threshold, its table, its curves and its shipped entry."""
    budget, threshold = ENVS[env_id]
    lines = [f"Budget {budget:,} steps, threshold {threshold}.", "", *env_table(env_id, rows, times, found), ""]
    if any(rows.values()):
        plot(env_id, curves, IMAGES / f"{env_id}.png")
        lines += [f"![{env_id} learning curves](images/benchmark/{env_id}.png)", ""]
    else:
        (IMAGES / f"{env_id}.png").unlink(missing_ok=True)
    return lines + shipped_entry(env_id)


def shipped_entry(env_id: str) -> list[str]:
    """The shipped zoo entry of an env (zoo_configs/), its settings inline, and the zoo entries its peers use."""
    config, entry = shipped(env_id)
    if entry is None:
        return []
    settings = ", ".join(
        f"`{key}: {yaml.safe_dump(value, default_flow_style=True).strip().removesuffix(chr(10) + '...')}`"
        for key, value in entry.items()
    )
    line = f"Shipped entry (`zoo_configs/{config}`): {settings}."
    others = [f"{NAMES[algo]} uses the zoo's `{alias}` entry" for (algo, env), alias in ZOO_ALIASES.items() if env == env_id]
    others += [f"{NAMES[algo]} uses this benchmark's own (below)" for algo, env in ENTRIES if env == env_id]
    if others:
        line += " The zoo has no entry for this id: " + "; ".join(others) + "."
    return [line]


def tried_table(env_id: str, tried: dict[str, list[dict[str, str]]]) -> list[str]:
    """
    What else was tried on an env (``TRIED``): the change, the tuning seeds, the finals, and the scores (``score``)
    of the rows tried since the score was the benchmark's (a column only where an env has such rows, "-" in the others).
    """
    rows = tried[env_id]
    columns = ["change", "seeds", "finals"] + (["scores"] if any("scores" in row for row in rows) else [])
    lines = ["| " + " | ".join(columns) + " |", "|---" * len(columns) + "|"]
    return lines + ["| " + " | ".join(row.get(column, "-") for column in columns) + " |" for row in rows]


def tianshou_table(curves: dict[str, dict[str, dict[int, tuple[np.ndarray, np.ndarray]]]]) -> list[str]:
    """Our REINFORCE's scores at its budget beside Tianshou's REINFORCE at 3M and 10M steps (``PUBLISHED``)."""
    figures = published()
    lines = ["| env | ours at 1M: each seed's score | seeds at or above Tianshou's | Tianshou at 3M | at 10M |"]
    lines += ["|---|---|---|---|---|"]
    for env_id, at_3m in figures["tianshou_3m"].items():
        figure = at_3m["mean"]
        at_10m = "{mean:.1f} ± {std:.1f}".format(**figures["tianshou_10m"][env_id])
        runs = curves[env_id]["reinforce"]
        if not runs:
            lines += [f"| {env_id} | pending | - | {figure:.1f} ± {at_3m['std']:.1f} | {at_10m} |"]
            continue
        scores = [score(steps, returns, ENVS[env_id][0])[0] for steps, returns in runs.values()]
        each = ", ".join(f"{value:.0f}" for value in scores)
        above = sum(value >= figure for value in scores)
        lines += [f"| {env_id} | {each} | {above}/{len(scores)} | {figure:.1f} ± {at_3m['std']:.1f} | {at_10m} |"]
    return lines


def how_many() -> list[str]:
    """How long a 1M-step run took, per protocol, from the recorded wall-clock times of the reporting runs."""
    lines = ["| evaluations | 1M-step runs | wall-clock, min to max (minutes) |", "|---|---|---|"]
    by_protocol: dict[tuple[int, int], list[float]] = {}
    for row in run_rows():
        if ENVS[row["env"]][0] == 1_000_000:
            by_protocol.setdefault((int(row["eval_freq"]), int(row["eval_envs"])), []).append(float(row["seconds"]))
    for protocol, seconds in sorted(by_protocol.items(), reverse=True):
        lines += [f"| {protocol_cell({protocol})} | {len(seconds)} | {min(seconds) / 60:.0f} to {max(seconds) / 60:.0f} |"]
    return lines


def eval_cost_table() -> list[str]:
    """
    benchmarks/bench_eval.py's wall-clock times: each env's run under the protocol before and now, the speed-up, and,
    where the run without evaluations was timed, what the evaluations cost under each.
    """
    rows = read_rows(DATA / EVAL_COST_FILE)
    lines = [
        "| env | algo | seed | before: evaluations, wall-clock (s) | now: evaluations, wall-clock (s) | speed-up "
        "| without evaluations (s) | the evaluations' time, before to now (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    runs: dict[tuple[str, str, str], dict[str, dict[str, str]]] = {}
    for row in rows:
        runs.setdefault((row["env"], row["algo"], row["seed"]), {})[row["protocol"]] = row
    for (env_id, algo, seed), found in runs.items():
        seconds = {protocol: float(row["seconds"]) for protocol, row in found.items()}
        cells = [env_id, NAMES[algo], seed]
        for protocol in ("before", "after"):
            timed = found.get(protocol)
            if timed is None:
                cells.append("-")
                continue
            envs = envs_phrase(int(timed["eval_envs"]))
            cells.append(f"{timed['evaluations']} x {timed['eval_episodes']} episodes on {envs}, {seconds[protocol]:.0f}")
        both = "before" in seconds and "after" in seconds
        cells.append(f"{seconds['before'] / seconds['after']:.2f}x" if both else "-")
        cells.append(f"{seconds['none']:.0f}" if "none" in seconds else "-")
        if both and "none" in seconds:
            cells.append(f"{seconds['before'] - seconds['none']:.0f} to {seconds['after'] - seconds['none']:.0f}")
        else:
            cells.append("-")
        lines += ["| " + " | ".join(cells) + " |"]
    return lines


def report(args: argparse.Namespace) -> None:
    """
    Write the results into the pages, between their markers: the benchmark page's tables, curves and shipped
    entries, the tuning notes' tables (from ``TRIED``), the algorithm pages' and the README's summary tables.
    """
    times, found = wall_clocks(), protocols()
    labels = {env_id: labels_of(env_id) for env_id in ENVS}
    curves = {env_id: {label: load_curves(env_id, label) for label in labels[env_id]} for env_id in ENVS}
    summaries = {
        env_id: {label: summarise(curves[env_id][label], *ENVS[env_id]) for label in labels[env_id]} for env_id in ENVS
    }
    update_between_markers(BENCHMARK_PAGE, how_many(), "benchmark-runtime")
    for suite, (_, env_ids, marker) in SUITES.items():
        suite_labels = [label for label in labels_in_order() if any(label in labels[env_id] for env_id in env_ids)]
        table = summary_table(suite_labels, {env_id: summaries[env_id] for env_id in env_ids})
        update_between_markers(BENCHMARK_PAGE, table, marker)
        update_between_markers(DOCS / "modules" / SUITE_PAGES[suite], table, marker)
        teaser = summary_table(suite_labels, {env_id: summaries[env_id] for env_id in env_ids if env_id in TEASER_ENVS})
        update_between_markers(REPO / "README.md", teaser, marker)
    update_between_markers(BENCHMARK_PAGE, eval_cost_table(), "benchmark-eval-cost")
    update_between_markers(BENCHMARK_PAGE, tianshou_table(curves), "benchmark-tianshou")
    for env_id in ENVS:
        block = env_block(env_id, summaries[env_id], curves[env_id], times, found)
        update_between_markers(BENCHMARK_PAGE, block, f"benchmark-env:{env_id}")
    tried = load_yaml(TRIED)
    for env_id in tried:
        update_between_markers(TUNING_PAGE, tried_table(env_id, tried), f"tried:{env_id}")
    print(f"wrote {BENCHMARK_PAGE}, {IMAGES}/*.png, {TUNING_PAGE}'s tables, the README's and the algorithm pages' tables")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="train and store the evaluations")
    run_parser.add_argument("--envs", nargs="+", default=list(ENVS), choices=list(ENVS))
    run_parser.add_argument("--algos", nargs="+", default=list(ALGOS), choices=[*ALGOS, *VARIANTS])
    run_parser.add_argument("--seeds", type=int, default=5, help="how many seeds")
    run_parser.add_argument(
        "--first-seed",
        type=int,
        default=REPORTING_SEEDS,
        help=f"seeds FIRST..FIRST+N-1, reporting seeds (>= {REPORTING_SEEDS})",
    )
    run_parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="runs at once")
    run_parser.add_argument("--threads", type=int, default=1, help="torch threads per run")
    run_parser.add_argument(
        "--keep-logs",
        type=Path,
        default=None,
        metavar="DIR",
        help="copy each run's zoo log folder (final model, VecNormalize statistics) to DIR/ENV/ALGO_seedN",
    )
    commands.add_parser("report", help="write the results pages, tables and curves from the stored evaluations")
    args = parser.parse_args()
    if args.command == "run":
        run(args)
    else:
        report(args)


if __name__ == "__main__":
    main()
