"""
Tuning on many machines: the zoo's Optuna search on one shared study.

Every worker runs the same command with a database URL (or, on one machine, a journal file ending in ``.log``)::

    python -m sb3_reinforce.zoo train --algo reinforce --env CartPole-v1 -optimize \
        --storage postgresql://user:password@host/db --study-name reinforce-cartpole

Before the zoo starts, :func:`prepare_tuning_storage` checks that the database driver is installed, and creates
Optuna's tables and the study under a PostgreSQL advisory lock, so that workers started together on a fresh
database do not race to create them. While the zoo runs, :func:`optuna.create_study` hands the zoo an
``RDBStorage`` with a heartbeat: a worker that dies mid-trial stops beating, and the next worker to start a trial
marks that trial FAIL and enqueues its hyperparameters again (``RetryHeartbeatStaleTrialCallback``).
``--heartbeat-interval SECONDS`` (ours, not the zoo's; default 60) sets how often a running trial beats; it is
declared dead after twice that.
"""

import argparse
import contextlib
import os
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import optuna

HEARTBEAT_FLAG = "--heartbeat-interval"
DEFAULT_HEARTBEAT_INTERVAL = 60
# A trial whose worker keeps dying (out of memory, say) is run at most this many more times
MAX_RETRY = 3
POSTGRES_INSTALL = 'pip install -e ".[zoo,postgres]" in the root of the sb3-reinforce clone'
# Key of the session-level advisory lock that serialises schema creation on one PostgreSQL database
SCHEMA_LOCK_KEY = zlib.crc32(b"sb3_reinforce.zoo.storage")
# The zoo's direction for every study (rl_zoo3.exp_manager.ExperimentManager.hyperparameters_optimization)
ZOO_DIRECTION: Final = "maximize"


class StorageError(ValueError):
    """A ``--storage`` / ``--study-name`` / ``--trial-id`` combination that the zoo would fail on, or ignore."""


@dataclass
class TuningArgs:
    """The train flags that concern the Optuna storage."""

    storage: str | None
    study_name: str | None
    optimize: bool
    trial_id: int | None
    heartbeat_interval: int | None


def split_tuning_args(args: list[str]) -> tuple[TuningArgs, list[str]]:
    """
    Read the storage flags of a train command line, and take out ``--heartbeat-interval``, which is ours.

    :param args: The train script's arguments
    :return: The storage flags, and the arguments to hand to the zoo
    :raises StorageError: If ``--heartbeat-interval`` is not a positive integer
    """
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    # Same names as in rl_zoo3/train.py
    parser.add_argument("--storage", default=None)
    parser.add_argument("--study-name", default=None)
    parser.add_argument("-optimize", "--optimize-hyperparameters", action="store_true", default=False)
    parser.add_argument("--trial-id", type=int, default=None)
    parser.add_argument(HEARTBEAT_FLAG, default=None)
    peeked, _ = parser.parse_known_args(args)

    interval = None
    if peeked.heartbeat_interval is not None:
        try:
            interval = int(peeked.heartbeat_interval)
        except ValueError:
            interval = 0
        if interval < 1:
            raise StorageError(f"{HEARTBEAT_FLAG} must be a whole number of seconds >= 1, got {peeked.heartbeat_interval!r}")

    zoo_args = []
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
        elif arg == HEARTBEAT_FLAG:
            skip_next = True
        elif not arg.startswith(HEARTBEAT_FLAG + "="):
            zoo_args.append(arg)
    tuning = TuningArgs(peeked.storage, peeked.study_name, peeked.optimize_hyperparameters, peeked.trial_id, interval)
    return tuning, zoo_args


def is_journal(storage: str) -> bool:
    """Whether the zoo reads ``storage`` as a journal file (its rule: the name ends in ``.log``)."""
    return storage.endswith(".log")


def shown_url(url: str) -> str:
    """``url`` with its password masked, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def check_driver(url: str) -> None:
    """
    Check that ``url`` is a database URL whose driver is installed, before any worker starts.

    :param url: The ``--storage`` value
    :raises StorageError: On a malformed URL, an unknown database, or a missing driver (naming the extra to install)
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise StorageError(
            f"--storage {url!r} is neither a database URL (dialect[+driver]://user:password@host:port/database) "
            "nor a journal file ending in .log"
        ) from e
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError as e:
        raise StorageError(f"--storage {shown_url(url)}: SQLAlchemy knows no database {parsed.drivername!r}") from e
    try:
        dialect.import_dbapi()
    except ImportError as e:
        install = "install it"
        if dialect.name == "postgresql":
            install = POSTGRES_INSTALL
            if dialect.driver != "psycopg":
                install += " (it brings psycopg 3: write the URL as postgresql+psycopg://...)"
        raise StorageError(
            f"--storage {shown_url(url)} needs the Python driver {dialect.driver!r} ({e.name} could not be imported): "
            f"{install}"
        ) from e


@contextlib.contextmanager
def schema_lock(url: str) -> Iterator[None]:
    """
    Hold a PostgreSQL session-level advisory lock on the database of ``url`` (other databases: no lock).
    PostgreSQL releases it when the connection closes, so a worker killed while holding it blocks nobody.

    :param url: The database URL
    """
    import sqlalchemy
    from sqlalchemy.pool import NullPool

    engine = sqlalchemy.create_engine(url, poolclass=NullPool)
    try:
        if engine.dialect.name != "postgresql":
            yield
            return
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sqlalchemy.text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(sqlalchemy.text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY})
    finally:
        engine.dispose()


def create_storage(url: str, study_name: str | None, heartbeat_interval: int) -> "optuna.storages.RDBStorage":
    """
    Create (or open) Optuna's tables and the study, one worker at a time, and fail the trials of dead workers.

    Optuna creates its tables when an ``RDBStorage`` is built; two workers doing so at the same moment on a fresh
    PostgreSQL database collide (a duplicate type or ``alembic_version`` table), so this runs under
    :func:`schema_lock`. Failing stale trials now, rather than at this worker's first trial, keeps a dead worker's
    RUNNING trial from counting towards ``--max-total-trials``.

    :param url: The database URL
    :param study_name: The study to create if missing; None leaves the study to the zoo (which then makes a new one)
    :param heartbeat_interval: Seconds between a running trial's heartbeats; a trial is stale after twice that
    :return: The ``optuna.storages.RDBStorage``, with the heartbeat and the retry callback
    """
    import optuna
    from optuna.exceptions import ExperimentalWarning

    with warnings.catch_warnings():
        # The heartbeat and the retry callback are marked experimental in Optuna 5
        warnings.simplefilter("ignore", ExperimentalWarning)
        with schema_lock(url):
            storage = optuna.storages.RDBStorage(
                url,
                heartbeat_interval=heartbeat_interval,
                grace_period=2 * heartbeat_interval,
                heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY),
            )
            if study_name is not None:
                study = optuna.create_study(
                    storage=storage, study_name=study_name, direction=ZOO_DIRECTION, load_if_exists=True
                )
                optuna.storages.fail_stale_trials(study)
    return storage


def check_trial(storage: Any, study_name: str, trial_id: int) -> None:
    """
    Check that the study has trial number ``trial_id`` (the zoo reads ``study.trials[trial_id]``).

    :param storage: A storage or URL that ``optuna.load_study`` accepts
    :param study_name: The study
    :param trial_id: The trial's number
    :raises StorageError: If the study or the trial does not exist
    """
    import optuna

    try:
        study = optuna.load_study(storage=storage, study_name=study_name)
    except KeyError as e:
        raise StorageError(f"--study-name {study_name!r}: no such study in the storage") from e
    n_trials = len(study.trials)
    if not 0 <= trial_id < n_trials:
        raise StorageError(f"--trial-id {trial_id}: study {study_name!r} has trials 0 to {n_trials - 1}")


class _TrialNumber(int):
    """A trial number that is true even when it is 0: the zoo loads a trial only ``if self.trial_id``."""

    def __bool__(self) -> bool:
        return True


@contextlib.contextmanager
def zoo_storage(url: str | None, storage: Any | None, trial_id: int | None) -> Iterator[None]:
    """
    While the zoo runs in this process: its ``optuna.create_study(storage=url)`` gets ``storage`` (the one with the
    heartbeat) instead of the bare URL, and ``--trial-id 0`` loads trial 0 instead of being ignored.

    :param url: The ``--storage`` URL the zoo will pass, or None
    :param storage: The storage to hand the zoo instead
    :param trial_id: The ``--trial-id`` value, or None
    """
    import optuna
    from rl_zoo3.exp_manager import ExperimentManager

    original_create_study = optuna.create_study
    original_read_hyperparameters = ExperimentManager.read_hyperparameters

    def create_study(*args: Any, **kwargs: Any) -> "optuna.Study":
        if url is not None and kwargs.get("storage") == url:
            kwargs["storage"] = storage
        return original_create_study(*args, **kwargs)

    def read_hyperparameters(self: ExperimentManager) -> tuple[dict[str, Any], dict[str, Any]]:
        if self.trial_id is not None:
            self.trial_id = _TrialNumber(self.trial_id)
        return original_read_hyperparameters(self)

    optuna.create_study = create_study
    if trial_id is not None:
        # Patching a method is what this context does (mypy forbids assigning to one); restored below
        ExperimentManager.read_hyperparameters = read_hyperparameters  # type: ignore[method-assign]
    try:
        yield
    finally:
        optuna.create_study = original_create_study
        ExperimentManager.read_hyperparameters = original_read_hyperparameters  # type: ignore[method-assign]  # as above


def prepare_tuning_storage(args: list[str]) -> tuple[list[str], contextlib.AbstractContextManager]:
    """
    For a train command that uses ``--storage`` (``-optimize``, or ``--trial-id``): check it, and create the
    database's tables and the study, before the zoo starts.

    :param args: The train script's arguments
    :return: The arguments for the zoo (without ``--heartbeat-interval``), and the context to run the zoo in
    :raises StorageError: On a missing driver, a database that cannot be reached, a ``--heartbeat-interval``
        without a database, or a ``--trial-id`` that the zoo would ignore or fail on
    """
    tuning, zoo_args = split_tuning_args(args)
    tunes_on_database = tuning.optimize and tuning.storage is not None and not is_journal(tuning.storage)
    if tuning.heartbeat_interval is not None and not tunes_on_database:
        raise StorageError(
            f"{HEARTBEAT_FLAG} needs -optimize with a database --storage (the journal file storage has no heartbeat)"
        )
    # The trial to check: (study name, trial number)
    trial: tuple[str, int] | None = None
    if tuning.trial_id is not None:
        if tuning.storage is None or tuning.study_name is None:
            raise StorageError("--trial-id needs --storage and --study-name: the zoo would ignore it")
        trial = (tuning.study_name, tuning.trial_id)
    if tuning.storage is None or not (tuning.optimize or trial is not None):
        return zoo_args, contextlib.nullcontext()

    import sqlalchemy.exc

    url = None if is_journal(tuning.storage) else tuning.storage
    storage: Any = None
    if url is not None:
        check_driver(url)
        try:
            if tuning.optimize:
                storage = create_storage(url, tuning.study_name, tuning.heartbeat_interval or DEFAULT_HEARTBEAT_INTERVAL)
            if trial is not None:
                check_trial(storage or url, *trial)
        except sqlalchemy.exc.OperationalError as e:
            raise StorageError(f"--storage {shown_url(url)}: cannot connect: {e.orig}") from e
    elif trial is not None:
        if not os.path.isfile(tuning.storage):
            raise StorageError(f"--storage {tuning.storage!r}: no such journal file")
        check_trial(_journal(tuning.storage), *trial)
    return zoo_args, zoo_storage(url, storage, tuning.trial_id)


def _journal(path: str) -> Any:
    """The zoo's journal file storage for ``path``."""
    import optuna
    from optuna.storages.journal import JournalFileBackend

    return optuna.storages.JournalStorage(JournalFileBackend(path))
