"""
Registration of REINFORCE, MaskableREINFORCE and RecurrentREINFORCE in the RL Zoo's tables of algorithms, Optuna
samplers and converters.
"""

from collections.abc import Callable
from typing import Any

from sb3_reinforce.reinforce import REINFORCE
from sb3_reinforce.reinforce_mask import MaskableREINFORCE
from sb3_reinforce.reinforce_recurrent import RecurrentREINFORCE
from sb3_reinforce.zoo.config import install_ent_coef_schedules
from sb3_reinforce.zoo.hyperparams_opt import (
    convert_reinforce_lstm_params,
    convert_reinforce_params,
    sample_reinforce_lstm_params,
    sample_reinforce_params,
)

ALGO_NAME = "reinforce"
MASKABLE_ALGO_NAME = "reinforce_mask"
# As the zoo names RecurrentPPO "ppo_lstm"
RECURRENT_ALGO_NAME = "reinforce_lstm"
# The zoo's name of each algorithm; they take the same hyperparameters (MaskableREINFORCE has no gSDE;
# RecurrentREINFORCE refuses bootstrap_truncated=True), and RecurrentREINFORCE's policies the LSTM's keywords
ZOO_ALGOS: dict[str, type[REINFORCE]] = {
    ALGO_NAME: REINFORCE,
    MASKABLE_ALGO_NAME: MaskableREINFORCE,
    RECURRENT_ALGO_NAME: RecurrentREINFORCE,
}
# The Optuna sampler and converter of each algorithm
ZOO_SAMPLERS: dict[str, tuple[Callable[..., dict[str, Any]], Callable[[dict[str, Any]], dict[str, Any]]]] = {
    ALGO_NAME: (sample_reinforce_params, convert_reinforce_params),
    MASKABLE_ALGO_NAME: (sample_reinforce_params, convert_reinforce_params),
    RECURRENT_ALGO_NAME: (sample_reinforce_lstm_params, convert_reinforce_lstm_params),
}


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


def _replace(module: Any, name: str, original: type, replacement: type) -> None:
    """
    Replace ``module.<name>`` (the zoo's ``original`` class) by ``replacement``; do nothing if already done.

    :param module: The zoo's module
    :param name: The attribute to replace
    :param original: What the zoo itself puts there
    :param replacement: Our subclass of ``original``
    :raises RuntimeError: If something else has replaced it already
    """
    existing = getattr(module, name)
    if existing is original:
        setattr(module, name, replacement)
    elif existing is not replacement:
        raise RuntimeError(
            f"{module.__name__}.{name} is {existing!r}, not the zoo's own; cannot replace it by {replacement!r}"
        )


def register() -> None:
    """
    Make ``--algo reinforce``, ``--algo reinforce_mask`` and ``--algo reinforce_lstm`` known to the RL Zoo.
    Idempotent, and it leaves the zoo's other algorithms alone.

    It adds REINFORCE, MaskableREINFORCE and RecurrentREINFORCE to ``rl_zoo3.utils.ALGOS`` (the dict that ``train``,
    ``enjoy``, ``record_video``, ``push_to_hub`` and ``load_from_hub`` build their ``--algo`` choices from, when they
    parse their arguments), their Optuna samplers (``ZOO_SAMPLERS``) to ``rl_zoo3.hyperparams_opt.HYPERPARAMS_SAMPLER``
    (``-optimize``) and their converters to ``HYPERPARAMS_CONVERTER`` (loading a trial with ``--storage --study-name
    --trial-id``).
    The dicts are changed in place, so every zoo module that imported them sees the new entries.

    For masked evaluation during training, it replaces ``EvalCallback`` and ``TrialEvalCallback`` in
    ``rl_zoo3.exp_manager`` by subclasses that evaluate a maskable model with sb3-contrib's ``MaskableEvalCallback``
    and every other model as before (``sb3_reinforce.zoo.callbacks``; SB3's ``evaluate_policy`` carries a recurrent
    model's LSTM states). It registers the envs of the shipped configs: the masked ``InvalidActionEnvDiscrete-v0``
    and the memory task ``CueRecall-v0`` (``sb3_reinforce.zoo.envs``), and the zoo's own (``rl_zoo3.import_envs``:
    the velocity-masked ``CartPoleNoVel-v1``, ``MountainCarContinuousNoVel-v0``, ``LunarLanderNoVel-v3``, ...).

    An entry's ``ent_coef: lin_<x>`` becomes the zoo's linear schedule, as ``learning_rate: lin_<x>`` does
    (``sb3_reinforce.zoo.config.install_ent_coef_schedules``).

    :raises ImportError: If rl_zoo3 is not installed
    :raises RuntimeError: If the zoo already maps one of the names to something else
    """
    try:
        import rl_zoo3.import_envs  # noqa: F401  (registers the zoo's velocity-masked envs, as its scripts do)
        from rl_zoo3 import callbacks, exp_manager, hyperparams_opt, utils
    except ImportError as e:
        raise ImportError(
            'The RL Zoo integration needs rl_zoo3: pip install -e ".[zoo]" (from the root of the sb3-reinforce clone)'
        ) from e
    from stable_baselines3.common.callbacks import EvalCallback

    import sb3_reinforce.zoo.envs  # noqa: F401  (registers the masked env and the memory task)
    from sb3_reinforce.zoo.callbacks import ZooEvalCallback, ZooTrialEvalCallback

    for name, algo_class in ZOO_ALGOS.items():
        sampler, converter = ZOO_SAMPLERS[name]
        _add(utils.ALGOS, name, algo_class, "ALGOS")
        _add(hyperparams_opt.HYPERPARAMS_SAMPLER, name, sampler, "HYPERPARAMS_SAMPLER")
        _add(hyperparams_opt.HYPERPARAMS_CONVERTER, name, converter, "HYPERPARAMS_CONVERTER")
    _replace(exp_manager, "EvalCallback", EvalCallback, ZooEvalCallback)
    _replace(exp_manager, "TrialEvalCallback", callbacks.TrialEvalCallback, ZooTrialEvalCallback)
    install_ent_coef_schedules()
