"""Small helpers shared by the package: checks of the hyperparameters' types and ranges and of observations, the torch
thread count, and the extras that register env ids."""

import importlib
import math
import numbers
from typing import Any, cast

import numpy as np

# Env ids that an extra of this package registers, by their prefix: (what they are, the module that registers them,
# the command that installs it)
ENV_EXTRAS: dict[str, tuple[str, str, str]] = {
    "ALE/": ("an Atari game, which needs the ALE", "ale_py", 'pip install -e ".[atari]"'),
}


def missing_env_extra(env_id: str) -> str | None:
    """
    Where an extra of this package registers ``env_id`` (``ENV_EXTRAS``) and is not installed: a one-line message that
    names the extra to install.

    :param env_id: A Gymnasium env id
    :return: The message, or None if no extra registers the id or its module imports
    """
    for prefix, (what, module, install) in ENV_EXTRAS.items():
        if env_id.startswith(prefix):
            try:
                importlib.import_module(module)
            except ImportError:
                return f"{env_id} is {what}: {install} from the clone's root"
    return None


def _describe(name: str, value: Any) -> str:
    return f"{name}={value!r} ({type(value).__name__})"


def check_range(
    name: str,
    value: Any,
    low: float = -math.inf,
    high: float = math.inf,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: bool = False,
) -> None:
    """
    Raise a ``ValueError`` naming the parameter, its value and the accepted range when ``value`` is not
    a number (or not an integer, with ``integer``), or lies outside ``[low, high]`` (bounds open or closed
    as asked), or is NaN. Booleans and strings are not numbers here, even where Python or numpy would
    accept them (``n_steps=True``, ``gamma="0.99"``).

    :param name: Name of the parameter, as the user typed it
    :param value: Value to check
    :param low: Lower bound of the accepted range
    :param high: Upper bound of the accepted range
    :param low_inclusive: Whether ``low`` itself is accepted
    :param high_inclusive: Whether ``high`` itself is accepted
    :param integer: Whether the value must be an integer (Python's ``int`` or a numpy integer)
    """
    left = "[" if low_inclusive else "("
    right = "]" if high_inclusive else ")"
    kind = "an integer" if integer else "a number"
    expected = f"{name} must be {kind} in {left}{low}, {high}{right}"
    wanted_type = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, wanted_type):
        raise ValueError(f"{expected}, got {_describe(name, value)}")
    # A real number (checked above); typeshed's numbers.Real does not declare comparisons with float
    number = cast(float, value)
    above_low = number >= low if low_inclusive else number > low
    below_high = number <= high if high_inclusive else number < high
    if not (above_low and below_high):  # also catches NaN
        raise ValueError(f"{name} must be in {left}{low}, {high}{right}, got {name}={value!r}")


def check_bool(name: str, value: Any) -> None:
    """
    Raise a ``ValueError`` naming the parameter when ``value`` is not a boolean (``True``/``False`` or a numpy bool).

    :param name: Name of the parameter, as the user typed it
    :param value: Value to check
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {_describe(name, value)}")


def non_finite(observations: np.ndarray | dict[str, np.ndarray], leading_dims: int) -> np.ndarray:
    """
    Where observations hold inf or NaN: for each index of their ``leading_dims`` first dimensions (envs, or steps and
    envs), whether any of its values (of any key of a Dict observation) is not finite. Integer observations (images)
    are always finite.

    :param observations: An array, or a dict of arrays, whose first ``leading_dims`` dimensions agree
    :param leading_dims: How many leading dimensions to keep
    :return: A boolean array of the leading dimensions' shape
    """
    arrays = list(observations.values()) if isinstance(observations, dict) else [observations]
    shape = np.shape(arrays[0])[:leading_dims]
    bad = np.zeros(shape, dtype=bool)
    for array in arrays:
        array = np.asarray(array)
        if array.dtype.kind in "fc":
            bad |= ~np.isfinite(array.reshape(*shape, -1)).all(axis=-1)
    return bad


# Torch threads for training on the CPU, per kind of policy, measured by benchmarks/bench_threads.py on 2 cores
# (docs/guide/speed_memory.md, "Threads"). A small MLP's matrix products are too small to share between threads: a
# second thread adds synchronisation and, when another process holds a core, waits for it (CartPole-v1: 2,085 against
# 16,233 steps/s with two busy processes). A CnnPolicy gains from a second thread on an idle machine (Breakout: 632
# against 528 steps/s) but loses more as soon as another process runs (315 against 541; 136 against 339): 1 as well
MLP_THREADS = 1
CNN_THREADS = 1


def default_num_threads(policy: str | type) -> int:
    """
    The torch thread count that trains ``policy`` fast on the CPU: ``CNN_THREADS`` for convolutional policies
    (``CnnPolicy``, ``CnnLstmPolicy``), ``MLP_THREADS`` for the others. The package's command lines use it where the
    user gives no count (``python -m sb3_reinforce --threads``, ``python -m sb3_reinforce.zoo train --num-threads``).

    :param policy: The policy's alias or class
    :return: The thread count for ``torch.set_num_threads``
    """
    name = policy if isinstance(policy, str) else policy.__name__
    return CNN_THREADS if name.startswith("Cnn") else MLP_THREADS
