"""
Optuna samplers for REINFORCE's and RecurrentREINFORCE's hyperparameters (``-optimize``), in the RL Zoo's format.

A hyperparameter that the train command's ``-params`` sets is not sampled: it keeps that value in every trial, and
the search runs over the others (:func:`params_held_fixed`). The zoo's own samplers would draw it and override it.
"""

import contextlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from torch import nn

from sb3_reinforce.reinforce import NORMALIZE_ADVANTAGE

if TYPE_CHECKING:
    import optuna

NET_ARCHS: dict[str, dict[str, list[int]]] = {
    "tiny": dict(pi=[64], vf=[64]),
    "small": dict(pi=[64, 64], vf=[64, 64]),
    "medium": dict(pi=[256, 256], vf=[256, 256]),
}

ACTIVATION_FNS: dict[str, type[nn.Module]] = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
}

LSTM_HIDDEN_SIZES = [32, 64, 128, 256]

# What the critic's memory is (sb3-contrib's RecurrentActorCriticPolicy flags; it refuses both True)
CRITIC_LSTMS: dict[str, dict[str, bool]] = {
    "own": dict(enable_critic_lstm=True, shared_lstm=False),
    "shared": dict(enable_critic_lstm=False, shared_lstm=True),
    "none": dict(enable_critic_lstm=False, shared_lstm=False),
}


# The constructor arguments that -params fixes while the zoo's search runs (params_held_fixed); the samplers skip them
_fixed_params: Mapping[str, Any] = {}


@contextlib.contextmanager
def params_held_fixed(params: Mapping[str, Any]) -> Iterator[None]:
    """
    While the zoo's search runs inside, the samplers draw none of the constructor arguments in ``params`` (the train
    command's ``-params``), so that they keep those values, which the zoo has already put into every trial's
    arguments: ``ent_coef``, ``learning_rate``, ``n_steps``, ``gamma``, ``baseline``, ``normalize_advantage``,
    ``max_grad_norm``, ``vf_learning_rate``, and ``policy_kwargs`` (which holds the sampled ``net_arch``,
    ``activation_fn`` and, for RecurrentREINFORCE, ``lstm_hidden_size`` and the critic's memory). The same values
    apply in the trials of every thread (``--n-jobs``).

    :param params: The ``-params`` values, by constructor argument
    """
    global _fixed_params
    saved, _fixed_params = _fixed_params, dict(params)
    try:
        yield
    finally:
        _fixed_params = saved


def convert_reinforce_params(sampled_params: dict[str, Any]) -> dict[str, Any]:
    """
    Turn the values Optuna sampled (a trial's ``params``) into REINFORCE's constructor arguments.

    ``one_minus_gamma`` becomes ``gamma``; ``net_arch`` and ``activation_fn`` (names) become ``policy_kwargs``.
    The zoo also calls it on a stored trial's params (``--storage --study-name --trial-id``).

    :param sampled_params: The sampled values, keyed by their Optuna names
    :return: Hyperparameters for REINFORCE's constructor
    """
    hyperparams = dict(sampled_params)
    if "one_minus_gamma" in hyperparams:
        hyperparams["gamma"] = 1 - hyperparams.pop("one_minus_gamma")

    policy_kwargs: dict[str, Any] = {}
    if "net_arch" in hyperparams:
        policy_kwargs["net_arch"] = NET_ARCHS[hyperparams.pop("net_arch")]
    if "activation_fn" in hyperparams:
        policy_kwargs["activation_fn"] = ACTIVATION_FNS[hyperparams.pop("activation_fn")]
    if policy_kwargs:
        hyperparams["policy_kwargs"] = policy_kwargs
    return hyperparams


def sample_reinforce_params(trial: "optuna.Trial", n_actions: int, n_envs: int, additional_args: dict) -> dict[str, Any]:
    """
    Sampler for REINFORCE hyperparameters, with the signature the zoo's ``HYPERPARAMS_SAMPLER`` expects.

    The sampled values replace the config entry's keys of the same name; a sampled ``policy_kwargs``
    replaces the entry's whole ``policy_kwargs`` (as for the zoo's own A2C and PPO samplers). Those that the train
    command's ``-params`` sets are not drawn (:func:`params_held_fixed`).

    :param trial: The Optuna trial
    :param n_actions: Size of a Box action space (unused)
    :param n_envs: Number of training envs (unused)
    :param additional_args: Off-policy extras from the zoo (unused)
    :return: Hyperparameters for REINFORCE's constructor, without those held fixed
    """
    fixed = _fixed_params
    sampled: dict[str, Any] = {}
    if "learning_rate" not in fixed:
        sampled["learning_rate"] = trial.suggest_float("learning_rate", 1e-5, 1e-2, log=True)
    if "n_steps" not in fixed:
        sampled["n_steps"] = trial.suggest_categorical("n_steps", [16, 32, 64, 128, 256, 512, 1024])
    if "gamma" not in fixed:
        sampled["one_minus_gamma"] = trial.suggest_float("one_minus_gamma", 0.0001, 0.1, log=True)
        # Display the true value
        trial.set_user_attr("gamma", 1 - sampled["one_minus_gamma"])
    if "policy_kwargs" not in fixed:
        sampled["net_arch"] = trial.suggest_categorical("net_arch", list(NET_ARCHS))
        sampled["activation_fn"] = trial.suggest_categorical("activation_fn", list(ACTIVATION_FNS))
    if "baseline" not in fixed:
        sampled["baseline"] = trial.suggest_categorical("baseline", ["none", "value", "linear"])
    if "normalize_advantage" not in fixed:
        sampled["normalize_advantage"] = trial.suggest_categorical("normalize_advantage", list(NORMALIZE_ADVANTAGE))
    if "ent_coef" not in fixed:
        sampled["ent_coef"] = trial.suggest_float("ent_coef", 1e-8, 0.1, log=True)
    if "max_grad_norm" not in fixed:
        sampled["max_grad_norm"] = trial.suggest_float("max_grad_norm", 0.3, 5.0, log=True)
    # The value baseline's own optimiser: only sampled where it is used
    if fixed.get("baseline", sampled.get("baseline")) == "value" and "vf_learning_rate" not in fixed:
        sampled["vf_learning_rate"] = trial.suggest_float("vf_learning_rate", 1e-4, 1e-2, log=True)
    return convert_reinforce_params(sampled)


def convert_reinforce_lstm_params(sampled_params: dict[str, Any]) -> dict[str, Any]:
    """
    Turn the values Optuna sampled (a trial's ``params``) into RecurrentREINFORCE's constructor arguments:
    ``convert_reinforce_params``, and ``lstm_hidden_size`` and ``critic_lstm`` (a key of ``CRITIC_LSTMS``: the
    critic's own LSTM, the actor's shared one, or none) into ``policy_kwargs``.
    The zoo also calls it on a stored trial's params (``--storage --study-name --trial-id``).

    :param sampled_params: The sampled values, keyed by their Optuna names
    :return: Hyperparameters for RecurrentREINFORCE's constructor
    """
    sampled_params = dict(sampled_params)
    lstm_kwargs: dict[str, Any] = {}
    if "lstm_hidden_size" in sampled_params:
        lstm_kwargs["lstm_hidden_size"] = sampled_params.pop("lstm_hidden_size")
    if "critic_lstm" in sampled_params:
        lstm_kwargs.update(CRITIC_LSTMS[sampled_params.pop("critic_lstm")])
    hyperparams = convert_reinforce_params(sampled_params)
    if lstm_kwargs:
        hyperparams["policy_kwargs"] = {**hyperparams.get("policy_kwargs", {}), **lstm_kwargs}
    return hyperparams


def sample_reinforce_lstm_params(trial: "optuna.Trial", n_actions: int, n_envs: int, additional_args: dict) -> dict[str, Any]:
    """
    Sampler for RecurrentREINFORCE hyperparameters, with the signature the zoo's ``HYPERPARAMS_SAMPLER`` expects:
    REINFORCE's (``sample_reinforce_params``; it never draws ``bootstrap_truncated``, which RecurrentREINFORCE
    refuses), and the LSTM's size ``lstm_hidden_size``. With ``baseline="value"`` it also draws the critic's memory,
    ``critic_lstm``: its own LSTM, the actor's (shared, detached for the critic) or none; with the other baselines
    the critic does not run, and the policy keeps sb3-contrib's default (its own LSTM).

    A sampled ``policy_kwargs`` replaces the config entry's whole ``policy_kwargs``, as for REINFORCE; where
    ``-params`` sets ``policy_kwargs``, neither the network nor the LSTM is drawn.

    :param trial: The Optuna trial
    :param n_actions: Size of a Box action space (unused)
    :param n_envs: Number of training envs (unused)
    :param additional_args: Off-policy extras from the zoo (unused)
    :return: Hyperparameters for RecurrentREINFORCE's constructor
    """
    hyperparams = sample_reinforce_params(trial, n_actions, n_envs, additional_args)
    if "policy_kwargs" in _fixed_params:
        return hyperparams
    lstm_params: dict[str, Any] = {"lstm_hidden_size": trial.suggest_categorical("lstm_hidden_size", LSTM_HIDDEN_SIZES)}
    if _fixed_params.get("baseline", hyperparams.get("baseline")) == "value":
        lstm_params["critic_lstm"] = trial.suggest_categorical("critic_lstm", list(CRITIC_LSTMS))
    lstm_kwargs = convert_reinforce_lstm_params(lstm_params)["policy_kwargs"]
    hyperparams["policy_kwargs"] = {**hyperparams.get("policy_kwargs", {}), **lstm_kwargs}
    return hyperparams
