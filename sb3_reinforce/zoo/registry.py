"""Registration of REINFORCE in the RL Zoo's tables of algorithms, Optuna samplers and converters."""

from typing import Any

from sb3_reinforce.reinforce import REINFORCE
from sb3_reinforce.zoo.hyperparams_opt import convert_reinforce_params, sample_reinforce_params

ALGO_NAME = "reinforce"


def _add(table: dict[str, Any], name: str, value: Any, table_name: str) -> None:
    """
    Add ``value`` to ``table`` under ``name``, in place; do nothing if it is already there.

    :param table: One of the zoo's module-level dicts
    :param name: Key to add
    :param value: Value to store under ``name``
    :param table_name: The table's name, for the error message
    :raises RuntimeError: If ``name`` already holds something else
    """
    existing = table.get(name)
    if existing is None:
        table[name] = value
    elif existing is not value:
        raise RuntimeError(f"rl_zoo3's {table_name} already maps {name!r} to {existing!r}; cannot register {value!r}")


def register() -> None:
    """
    Make ``--algo reinforce`` known to the RL Zoo. Idempotent, and it leaves the zoo's other algorithms alone.

    It adds REINFORCE to ``rl_zoo3.utils.ALGOS`` (the dict that ``train``, ``enjoy``, ``record_video``,
    ``push_to_hub`` and ``load_from_hub`` build their ``--algo`` choices from, when they parse their
    arguments), its Optuna sampler to ``rl_zoo3.hyperparams_opt.HYPERPARAMS_SAMPLER`` (``-optimize``) and its
    converter to ``HYPERPARAMS_CONVERTER`` (loading a trial with ``--storage --study-name --trial-id``).
    The dicts are changed in place, so every zoo module that imported them sees the new entry.

    :raises ImportError: If rl_zoo3 is not installed
    :raises RuntimeError: If the zoo already maps ``"reinforce"`` to something else
    """
    try:
        from rl_zoo3 import hyperparams_opt, utils
    except ImportError as e:
        raise ImportError('The RL Zoo integration needs rl_zoo3: pip install "sb3-reinforce[zoo]"') from e

    _add(utils.ALGOS, ALGO_NAME, REINFORCE, "ALGOS")
    _add(hyperparams_opt.HYPERPARAMS_SAMPLER, ALGO_NAME, sample_reinforce_params, "HYPERPARAMS_SAMPLER")
    _add(hyperparams_opt.HYPERPARAMS_CONVERTER, ALGO_NAME, convert_reinforce_params, "HYPERPARAMS_CONVERTER")
