"""
The RL Zoo configs: where the shipped ``reinforce.yml``, ``reinforce_mask.yml`` and ``reinforce_lstm.yml`` lie, how
the zoo reads ``-params``, and a check of an entry's keys and of the values of REINFORCE's own hyperparameters.
"""

import argparse
import importlib
import importlib.resources
import inspect
from pathlib import Path
from typing import Any

import yaml
from stable_baselines3.common.base_class import BaseAlgorithm

from sb3_reinforce.reinforce import REINFORCE, check_hyperparameters
from sb3_reinforce.reinforce_recurrent import RecurrentREINFORCE
from sb3_reinforce.reinforce_recurrent.reinforce_recurrent import check_recurrent_hyperparameters

# Keys the zoo's ExperimentManager consumes itself; it hands every other key to the algorithm's constructor
ZOO_KEYS = frozenset(
    {
        "n_timesteps",
        "n_envs",
        "normalize",
        "frame_stack",
        "env_wrapper",
        "vec_env_wrapper",
        "callback",
        "monitor_kwargs",
        "env_kwargs",
    }
)

# Constructor arguments the zoo fills from its command line: a config entry must not set them
SET_BY_ZOO = {
    "env": "--env",
    "seed": "--seed",
    "verbose": "--verbose",
    "device": "--device",
    "tensorboard_log": "--tensorboard-log",
}

REQUIRED_KEYS = ("n_timesteps", "policy")

# Keys whose string value becomes a schedule, "lin_<initial value>": the zoo converts learning_rate
# (ExperimentManager._preprocess_schedules), ``install_ent_coef_schedules`` converts ent_coef
SCHEDULE_KEYS = ("learning_rate", "ent_coef")
# The hyperparameters that check_hyperparameters checks
CHECKED_NAMES = tuple(inspect.signature(check_hyperparameters).parameters)


def checked_defaults(algo_class: type[REINFORCE] = REINFORCE) -> dict[str, Any]:
    """
    The hyperparameters that ``check_hyperparameters`` checks, with ``algo_class``'s defaults for those an entry
    leaves out (REINFORCE's for those it does not take, such as MaskableREINFORCE's ``use_sde``: an entry that sets
    them is refused as unknown).

    :param algo_class: REINFORCE or one of its subclasses
    :return: The default of each checked hyperparameter
    """
    parameters = inspect.signature(algo_class.__init__).parameters
    base = inspect.signature(REINFORCE.__init__).parameters
    return {name: (parameters[name] if name in parameters else base[name]).default for name in CHECKED_NAMES}


def _is_number_string(value: Any) -> bool:
    """Whether ``value`` is a string that reads as a number, as YAML 1.1 leaves ``3e-3`` (no dot)."""
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


class ZooConfigError(ValueError):
    """A hyperparameter entry that the zoo would fail on, or pass on wrongly, to the algorithm."""


def is_bare_word(value: str) -> bool:
    """
    Whether a ``-params`` value is an unquoted word such as ``values`` in ``baseline:values``: the zoo evaluates it as
    Python (``rl_zoo3.utils.StoreDict``), so it is a name (an error, or whatever that name holds), not a string.
    """
    return value.isidentifier() and value not in ("True", "False", "None")


def quoting_hint(key: str, value: str) -> str:
    """How to pass the string ``value`` to ``-params`` for ``key``."""
    return (
        f"-params {key}:{value}: the zoo evaluates each value as Python, so the bare word {value} is a name, "
        f"not a string; quote it: {key}:\"'{value}'\""
    )


def parse_params(items: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """
    Evaluate the ``-params key:value ...`` items as the zoo does (``rl_zoo3.utils.StoreDict``, one item at a time,
    so that an error names its item).

    :param items: The ``-params`` arguments, as typed
    :return: The values, and the raw text of those that are bare words (``is_bare_word``)
    :raises ZooConfigError: If an item does not evaluate, saying how to quote a bare word
    """
    from rl_zoo3.utils import StoreDict

    values: dict[str, Any] = {}
    bare_words: dict[str, str] = {}
    for item in items:
        key, _, raw = item.partition(":")
        namespace = argparse.Namespace()
        try:
            StoreDict(["-params"], "hyperparams")(None, namespace, [item])
        except Exception as e:
            hint = quoting_hint(key, raw) if is_bare_word(raw) else f"-params {item}: the zoo evaluates {raw!r} as Python"
            raise ZooConfigError(f"{hint} ({type(e).__name__}: {e})") from e
        values.update(namespace.hyperparams)
        if is_bare_word(raw):
            bare_words[key] = raw
    return values, bare_words


def default_config_path(algo: str = "reinforce") -> Path:
    """
    The shipped config of ``algo`` (``reinforce``, ``reinforce_mask`` or ``reinforce_lstm``): the copy inside the
    installed package
    (a wheel puts ``zoo_configs/<algo>.yml`` at ``sb3_reinforce/zoo/<algo>.yml``), else the source tree's
    ``zoo_configs/<algo>.yml`` (editable install or a checkout).

    :param algo: The zoo's name of the algorithm
    :return: Path of the yaml file
    :raises FileNotFoundError: If neither exists
    """
    config_name = f"{algo}.yml"
    packaged = importlib.resources.files("sb3_reinforce.zoo").joinpath(config_name)
    if isinstance(packaged, Path) and packaged.is_file():
        return packaged
    source = Path(__file__).resolve().parents[2] / "zoo_configs" / config_name
    if source.is_file():
        return source
    raise FileNotFoundError(f"{config_name} is neither in the sb3_reinforce.zoo package nor at {source}")


def load_config(config: str | Path) -> dict[str, dict[str, Any]]:
    """
    Read a hyperparameter file as the zoo's ``ExperimentManager.read_hyperparameters`` does:
    a ``.yml``/``.yaml`` file, a ``.py`` file defining ``hyperparams``, or the dotted name of a module defining it.

    :param config: The ``--conf-file`` value
    :return: The entries, keyed by env id (or ``atari`` / ``default``)
    """
    config = str(config)
    if config.endswith((".yml", ".yaml")):
        with open(config) as f:
            return yaml.safe_load(f)
    if config.endswith(".py"):
        global_variables: dict[str, Any] = {}
        exec(Path(config).read_text(), global_variables)
        return global_variables["hyperparams"]
    return importlib.import_module(config).hyperparams


def select_entry(entries: dict[str, dict[str, Any]], env_id: str, is_atari: bool) -> str | None:
    """
    The zoo's lookup order: the env id, then ``atari`` for an Atari env, then ``default``.

    :param entries: The config's entries
    :param env_id: The gymnasium id
    :param is_atari: Whether the env is an Atari env
    :return: The chosen entry's name, or None when none applies
    """
    if env_id in entries:
        return env_id
    if is_atari and "atari" in entries:
        return "atari"
    if "default" in entries:
        return "default"
    return None


def constructor_keys(algo_class: type[BaseAlgorithm]) -> set[str]:
    """
    The keyword arguments a config entry may pass to ``algo_class``'s constructor.

    :param algo_class: The algorithm
    :return: The argument names, less ``self``, the private ones and those the zoo sets itself
    """
    parameters = inspect.signature(algo_class.__init__).parameters
    return {name for name in parameters if name != "self" and not name.startswith("_") and name not in SET_BY_ZOO}


def check_values(hyperparams: dict[str, Any], skip: set[str], algo_class: type[BaseAlgorithm] = REINFORCE) -> str | None:
    """
    Check the values of REINFORCE's own hyperparameters in an entry with the constructor's check
    (``check_hyperparameters``, and for RecurrentREINFORCE ``check_recurrent_hyperparameters``), as the zoo will
    pass them; the others take the constructor's defaults.

    :param hyperparams: The entry, unprocessed
    :param skip: Keys already reported
    :param algo_class: The algorithm the entry is for: REINFORCE or one of its subclasses (for any other class
        nothing is checked)
    :return: The first problem, in the constructor's words, or None
    """
    if not (isinstance(algo_class, type) and issubclass(algo_class, REINFORCE)):
        return None
    values = checked_defaults(algo_class)
    for key in values.keys() & hyperparams.keys() - skip:
        value = hyperparams[key]
        if key in SCHEDULE_KEYS and isinstance(value, str):
            # The zoo reads "lin_<initial value>" as a linear schedule starting there
            parts = value.split("_")
            try:
                value = float(parts[1]) if len(parts) == 2 else None
            except ValueError:
                value = None
            if value is None:
                return f"{key}={hyperparams[key]!r} is neither a number nor a schedule such as 'lin_3e-3'"
        values[key] = value
    try:
        if issubclass(algo_class, RecurrentREINFORCE):
            check_recurrent_hyperparameters(bootstrap_truncated=values["bootstrap_truncated"])
        check_hyperparameters(**values)
    except ValueError as e:
        return str(e)
    return None


def check_hyperparams(
    hyperparams: dict[str, Any],
    algo_class: type[BaseAlgorithm],
    where: str = "the config",
    bare_words: dict[str, str] | None = None,
) -> None:
    """
    Check one config entry before the zoo builds the model: its keys (the zoo passes every key it does not handle
    itself to the constructor, where an unknown one would be a bare TypeError once the envs are made) and the values
    of REINFORCE's own hyperparameters (the constructor's check would fail only once the envs are made).

    :param hyperparams: The entry (after any ``--hyperparams`` overrides), unprocessed
    :param algo_class: The algorithm the entry is for
    :param where: Where the entry comes from, for the messages
    :param bare_words: The ``-params`` values that were unquoted words (``parse_params``), to say how to quote them
    :raises ZooConfigError: On an unknown key, a key the command line sets, a missing required key,
        a number that YAML read as a string, or an invalid value
    """
    allowed = constructor_keys(algo_class)
    name = algo_class.__name__
    problems = []
    unknown = sorted(k for k in hyperparams if k not in allowed and k not in ZOO_KEYS and k not in SET_BY_ZOO)
    if unknown:
        problems.append(
            f"unknown hyperparameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}: "
            f"{name} takes {', '.join(sorted(allowed))}; the zoo itself handles {', '.join(sorted(ZOO_KEYS))}"
        )
    for key in sorted(k for k in hyperparams if k in SET_BY_ZOO):
        problems.append(f"{key!r} cannot be set in a config: the zoo sets it from {SET_BY_ZOO[key]}")
    for key in REQUIRED_KEYS:
        if key not in hyperparams:
            problems.append(f"{key!r} is missing")
    number_strings = {k for k in hyperparams if k != "policy" and _is_number_string(hyperparams[k])}
    for key in sorted(number_strings):
        value = hyperparams[key]
        problems.append(
            f"{key}: {value!r} is a string (YAML reads a number without a dot, such as 3e-3, as a string): "
            f"write !!float {value} or a decimal"
        )
    value_problem = check_values(hyperparams, skip=number_strings, algo_class=algo_class)
    if value_problem is not None:
        hints = [quoting_hint(key, raw) for key, raw in sorted((bare_words or {}).items()) if f"{key}=" in value_problem]
        problems.append(value_problem + "".join(f" ({hint})" for hint in hints))
    if problems:
        raise ZooConfigError(f"Invalid {name} hyperparameters in {where}: " + "; ".join(problems))


def install_ent_coef_schedules() -> None:
    """
    Make the zoo read an entry's ``ent_coef: lin_<initial value>`` as its linear schedule, from that value at the
    start to 0 at the end, as it reads ``learning_rate: lin_...``: the zoo converts only its own keys
    (learning_rate, clip_range, clip_range_vf and delta_std) and would hand the string to the constructor. A number
    is left a number. Only a string ``ent_coef`` is converted, which no SB3 algorithm accepts, so the entries the
    zoo's other algorithms accept read as before. Idempotent; ``register()`` installs it.
    """
    from rl_zoo3.exp_manager import ExperimentManager
    from rl_zoo3.utils import linear_schedule

    original = ExperimentManager._preprocess_schedules
    if getattr(original, "converts_ent_coef", False):
        return

    def preprocess_schedules(hyperparams: dict[str, Any]) -> dict[str, Any]:
        hyperparams = original(hyperparams)
        if isinstance(hyperparams.get("ent_coef"), str):
            _schedule, initial_value = hyperparams["ent_coef"].split("_")
            hyperparams["ent_coef"] = linear_schedule(initial_value)
        return hyperparams

    preprocess_schedules.converts_ent_coef = True  # type: ignore[attr-defined]
    # The zoo's static method, wrapped (mypy forbids assigning to one)
    ExperimentManager._preprocess_schedules = staticmethod(preprocess_schedules)  # type: ignore[method-assign]
