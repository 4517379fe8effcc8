"""
Tuning on many machines: the zoo's ``-optimize`` on one shared study, against a real PostgreSQL server
(tests/postgres.py starts one), and on a journal file. Workers are separate processes, as on separate machines.
"""

import importlib.util
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy
import yaml

rl_zoo3 = pytest.importorskip("rl_zoo3")

import optuna  # noqa: E402
from optuna.trial import TrialState  # noqa: E402

from sb3_reinforce import REINFORCE  # noqa: E402
from sb3_reinforce.zoo.cli import main  # noqa: E402
from sb3_reinforce.zoo.hyperparams_opt import convert_reinforce_params  # noqa: E402
from sb3_reinforce.zoo.storage import POSTGRES_INSTALL, create_storage  # noqa: E402
from tests.postgres import INSTALL_HINT, PostgresServer, find_pg_bin  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
STUDY = "reinforce-cartpole"
HEARTBEAT = 1  # seconds; a trial is stale after 2
# Tiny trials: 2 CartPole envs, 1000 steps, one evaluation of 2 episodes
ENTRY = {"CartPole-v1": {"n_envs": 2, "n_timesteps": 1000, "policy": "MlpPolicy"}}
TUNE = ["-optimize", "--n-evaluations", "1", "--eval-episodes", "2", "--sampler", "random", "--pruner", "median"]
QUIET = ["--no-optim-plots", "--num-threads", "1", "--eval-freq", "-1"]

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture(scope="module")
def postgres():
    pg_bin = find_pg_bin()
    if pg_bin is None:
        pytest.skip(INSTALL_HINT)
    pytest.importorskip("psycopg", reason=f"the PostgreSQL driver is not installed: {POSTGRES_INSTALL}")
    server = PostgresServer(pg_bin)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def database(postgres, request) -> str:
    """A fresh, empty database for each test."""
    return postgres.create_database(re.sub(r"\W", "_", request.node.name).lower()[:60])


@pytest.fixture
def conf(tmp_path) -> str:
    path = tmp_path / "tiny.yml"
    path.write_text(yaml.safe_dump(ENTRY))
    return str(path)


def train_args(conf: str, log_folder: Path, storage: str, *extra: str) -> list[str]:
    return [
        "train",
        "--algo",
        "reinforce",
        "--env",
        "CartPole-v1",
        "--conf-file",
        conf,
        "-f",
        str(log_folder),
        "--storage",
        storage,
        "--study-name",
        STUDY,
        *QUIET,
        *extra,
    ]


def start_worker(args: list[str], cwd: Path) -> subprocess.Popen:
    """A worker process running our CLI from this checkout, its output (Optuna logs each trial) in one pipe."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "sb3_reinforce.zoo", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def trials_run_by(output: str) -> list[int]:
    """The trial numbers a worker reports as finished or pruned."""
    return [int(n) for n in re.findall(r"Trial (\d+) (?:finished|pruned)", output)]


def n_running(url: str) -> int:
    """
    The number of RUNNING trials, read with SQL: Optuna's own reader would create the tables on a fresh
    database, racing the workers that are creating them.
    """
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as connection:
            if connection.execute(sqlalchemy.text("SELECT to_regclass('trials')")).scalar() is None:
                return 0
            return connection.execute(sqlalchemy.text("SELECT count(*) FROM trials WHERE state = 'RUNNING'")).scalar()
    finally:
        engine.dispose()


def load(storage: str) -> optuna.Study:
    return optuna.load_study(storage=storage, study_name=STUDY)


def assert_sampled_params(model: REINFORCE, params: dict) -> None:
    """The model was built with exactly these sampled values (through REINFORCE's converter)."""
    expected = convert_reinforce_params(params)
    assert model.lr_schedule(1.0) == model.lr_schedule(0.0) == expected["learning_rate"]  # the zoo makes it a ConstantSchedule
    assert model.n_steps == expected["n_steps"]
    assert model.gamma == expected["gamma"]
    assert model.baseline == expected["baseline"]
    assert model.normalize_advantage == expected["normalize_advantage"]
    assert model.ent_coef == expected["ent_coef"]
    assert model.max_grad_norm == expected["max_grad_norm"]
    assert model.policy_kwargs["net_arch"] == expected["policy_kwargs"]["net_arch"]
    assert model.policy_kwargs["activation_fn"] is expected["policy_kwargs"]["activation_fn"]


def test_missing_driver_names_the_extra(tmp_path, conf, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if psycopg were not installed: importing it fails
    logs = tmp_path / "logs"
    with pytest.raises(SystemExit) as excinfo:
        main(train_args(conf, logs, "postgresql://tuner:secret@db.example:5432/optuna", *TUNE))
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert POSTGRES_INSTALL in err and "needs the Python driver 'psycopg'" in err
    assert "secret" not in err  # the password is masked
    assert not logs.exists()  # nothing was started


@pytest.mark.parametrize(
    ("extra", "storage", "message"),
    [
        (["--heartbeat-interval", "0", *TUNE], "sqlite:///x.db", r"--heartbeat-interval must be a whole number of seconds"),
        (["--heartbeat-interval", "5", *TUNE], "study.log", r"the journal file storage has no heartbeat"),
        (["--trial-id", "3"], "study.log", r"no such journal file"),
        (TUNE, "postgresql+nodriver://h/db", r"SQLAlchemy knows no database 'postgresql\+nodriver'"),
        pytest.param(
            TUNE,
            "postgresql://tuner:pw@127.0.0.1:1/optuna",
            r"postgresql://tuner:\*\*\*@127.0.0.1:1/optuna: cannot connect",
            marks=pytest.mark.skipif(importlib.util.find_spec("psycopg") is None, reason=POSTGRES_INSTALL),
        ),
    ],
)
def test_bad_storage_flags(tmp_path, conf, capsys, extra, storage, message):
    logs = tmp_path / "logs"
    with pytest.raises(SystemExit) as excinfo:
        main(train_args(conf, logs, str(tmp_path / storage) if storage.endswith(".log") else storage, *extra))
    assert excinfo.value.code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not logs.exists()


def test_trial_id_needs_a_study_name(tmp_path, conf, capsys):
    args = train_args(conf, tmp_path / "logs", "sqlite:///x.db", "--trial-id", "1")
    args.remove("--study-name")
    args.remove(STUDY)
    with pytest.raises(SystemExit):
        main(args)
    assert "--trial-id needs --storage and --study-name: the zoo would ignore it" in capsys.readouterr().err


def test_journal_file_study_and_trial_zero(tmp_path, conf):
    # One machine: the zoo's JournalFileStorage; then --trial-id 0, which rl_zoo3 alone ignores (`if self.trial_id`)
    journal = str(tmp_path / "optuna" / "study.log")
    main(train_args(conf, tmp_path / "logs", journal, *TUNE, "--n-trials", "2", "--seed", "3", "--verbose", "0"))
    study = optuna.load_study(
        storage=optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(journal)), study_name=STUDY
    )
    assert [t.number for t in study.trials] == [0, 1]
    assert {t.state for t in study.trials} <= {TrialState.COMPLETE, TrialState.PRUNED}

    logs = tmp_path / "trained"
    main(train_args(conf, logs, journal, "--trial-id", "0", "-n", "256", "--seed", "0", "--verbose", "0"))
    assert_sampled_params(REINFORCE.load(logs / "reinforce" / "CartPole-v1_1" / "CartPole-v1.zip"), study.trials[0].params)


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")  # catch_warnings is per process, not thread
def test_schema_and_study_created_once_by_simultaneous_workers(database):
    # Without the lock, 3 of 4 workers fail here on a fresh PostgreSQL database (duplicate type or alembic_version)
    n_workers = 4
    barrier = threading.Barrier(n_workers)
    errors = []

    def worker():
        barrier.wait()
        try:
            create_storage(database, STUDY, heartbeat_interval=HEARTBEAT)
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(n_workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert optuna.study.get_all_study_names(database) == [STUDY]
    assert load(database).direction == optuna.study.StudyDirection.MAXIMIZE


def test_two_workers_started_together_on_a_fresh_database(database, conf, tmp_path):
    n_trials = 2
    workers = [
        start_worker(
            train_args(conf, tmp_path / f"logs{seed}", database, *TUNE, "--n-trials", str(n_trials), "--seed", str(seed)),
            cwd=tmp_path,
        )
        for seed in (1, 2)  # each worker its own seed, so that their samplers draw different values
    ]
    outputs = [worker.communicate(timeout=240)[0] for worker in workers]
    for worker, output in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, output[-3000:]

    trials = load(database).trials
    assert [t.number for t in trials] == list(range(2 * n_trials))
    assert {t.state for t in trials} <= {TrialState.COMPLETE, TrialState.PRUNED}
    # Each worker ran its own trials, and between them all of the study's
    ran = [trials_run_by(output) for output in outputs]
    assert [len(numbers) for numbers in ran] == [n_trials, n_trials]
    assert sorted(ran[0] + ran[1]) == list(range(2 * n_trials))
    assert len({tuple(sorted(t.params.items())) for t in trials}) == 2 * n_trials


def test_killed_worker_trial_fails_and_is_retried(database, conf, tmp_path):
    heartbeat = ["--heartbeat-interval", str(HEARTBEAT)]
    # A long trial (100k steps), killed once it has beaten at least once
    doomed = start_worker(train_args(conf, tmp_path / "logs_a", database, *TUNE, *heartbeat, "-n", "100000"), cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and doomed.poll() is None and n_running(database) == 0:
            time.sleep(0.2)
        assert doomed.poll() is None, doomed.communicate()[0][-3000:]
        time.sleep(HEARTBEAT + 0.5)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
    finally:
        doomed.kill()
        doomed.communicate()
    killed_at = time.monotonic()
    (killed,) = load(database).trials
    assert killed.state == TrialState.RUNNING

    # The next worker, started once the heartbeat is stale, fails the trial and runs its hyperparameters again
    time.sleep(max(0.0, killed_at + 2 * HEARTBEAT + 0.5 - time.monotonic()))
    survivor = start_worker(
        train_args(conf, tmp_path / "logs_b", database, *TUNE, *heartbeat, "--max-total-trials", "2"), cwd=tmp_path
    )
    output = survivor.communicate(timeout=240)[0]
    assert survivor.returncode == 0, output[-3000:]

    trials = load(database).trials
    assert [t.number for t in trials] == [0, 1, 2]  # --max-total-trials 2 counts the COMPLETE and PRUNED trials
    assert trials[0].state == TrialState.FAIL
    assert {trials[1].state, trials[2].state} <= {TrialState.COMPLETE, TrialState.PRUNED}
    retry = trials[1]
    assert retry.system_attrs["failed_trial"] == 0 and retry.params == trials[0].params


def test_trial_id_trains_the_best_trial(database, conf, tmp_path):
    main(train_args(conf, tmp_path / "tune", database, *TUNE, "--n-trials", "2", "--seed", "5", "--verbose", "0"))
    study = load(database)
    best = study.best_trial
    assert best.number in (0, 1)

    logs = tmp_path / "trained"
    main(train_args(conf, logs, database, "--trial-id", str(best.number), "-n", "256", "--seed", "0", "--verbose", "0"))
    assert_sampled_params(REINFORCE.load(logs / "reinforce" / "CartPole-v1_1" / "CartPole-v1.zip"), best.params)
    assert len(load(database).trials) == 2  # loading a trial adds none
