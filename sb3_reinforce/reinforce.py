import io
import pathlib
from collections.abc import Iterable
from typing import Any, ClassVar, TypeVar

import numpy as np
import torch as th
from gymnasium import spaces
from sb3_contrib.common.recurrent.policies import RecurrentActorCriticPolicy
from stable_baselines3.common.base_class import maybe_make_env
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm
from stable_baselines3.common.policies import ActorCriticPolicy, BasePolicy
from stable_baselines3.common.type_aliases import GymEnv, MaybeCallback, PyTorchObs, Schedule
from stable_baselines3.common.utils import FloatSchedule, explained_variance, obs_as_tensor
from stable_baselines3.common.vec_env import VecEnv
from torch.nn import functional as F

from sb3_reinforce.baselines import Baseline, LinearFeatureBaseline, ValueBaseline
from sb3_reinforce.buffers import (
    ReinforceDictRolloutBuffer,
    ReinforceRolloutBuffer,
    ReinforceRolloutBufferSamples,
    index_samples,
)
from sb3_reinforce.normalization import direction_unbiased_statistics, updated_statistics
from sb3_reinforce.policies import CnnPolicy, MlpPolicy, MultiInputPolicy
from sb3_reinforce.sampling import sample_actions
from sb3_reinforce.save_util import MARKER_KEY, check_saved_model, saved_by
from sb3_reinforce.utils import check_bool, check_range, non_finite

SelfREINFORCE = TypeVar("SelfREINFORCE", bound="REINFORCE")
NON_FINITE_OBSERVATIONS_HINT = (
    "Check the env's observations (SB3's VecCheckNan(env, raise_exception=True) stops at the step that makes them), "
    "or bound them"
)

BASELINES = ("none", "value", "linear")
NORMALIZE_ADVANTAGE = (False, True, "returns", "unbiased", "unbiased_returns")
# The values whose weights do not depend on the steps they weigh (sb3_reinforce.normalization)
DIRECTION_UNBIASED = ("unbiased", "unbiased_returns")
# chunk_size=None: as many steps per chunk as keep its observations under CHUNK_OBS_VALUES values, at most MAX_CHUNK_SIZE
CHUNK_OBS_VALUES = 2**24
MAX_CHUNK_SIZE = 2**16


def check_hyperparameters(
    *,
    learning_rate: float | Schedule,
    n_steps: int,
    gamma: float,
    ent_coef: float | Schedule,
    vf_coef: float,
    max_grad_norm: float,
    baseline: str,
    vf_learning_rate: float,
    vf_n_epochs: int,
    vf_batch_size: int,
    vf_max_grad_norm: float,
    normalize_advantage: bool | str,
    use_gamma_t: bool,
    bootstrap_truncated: bool,
    max_rollout_steps: int,
    reset_between_rollouts: bool,
    use_sde: bool,
    sde_sample_freq: int,
    stats_window_size: int,
    chunk_size: int | None,
) -> None:
    """
    Check REINFORCE's own hyperparameters, as its constructor does before building anything; the RL Zoo CLI runs the
    same check on a config entry before the zoo builds the envs (``sb3_reinforce.zoo.config.check_hyperparams``).
    The parameters are ``REINFORCE``'s (see its docstring).

    :raises ValueError: On the first invalid value, naming the parameter, the value and what is accepted
    """
    if not callable(learning_rate):
        check_range("learning_rate", learning_rate, low=0.0, low_inclusive=False)
    check_range("n_steps", n_steps, low=1, integer=True)
    check_range("gamma", gamma, low=0.0, high=1.0)
    if not callable(ent_coef):
        check_range("ent_coef", ent_coef, low=0.0)
    check_range("vf_coef", vf_coef, low=0.0)
    check_range("max_grad_norm", max_grad_norm, low=0.0, low_inclusive=False)
    check_range("max_rollout_steps", max_rollout_steps, low=n_steps, integer=True)
    check_range("sde_sample_freq", sde_sample_freq, low=-1, integer=True)
    check_range("stats_window_size", stats_window_size, low=1, integer=True)
    for name, flag in (
        ("use_gamma_t", use_gamma_t),
        ("bootstrap_truncated", bootstrap_truncated),
        ("reset_between_rollouts", reset_between_rollouts),
        ("use_sde", use_sde),
    ):
        check_bool(name, flag)
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {BASELINES}, got baseline={baseline!r}")
    check_range("vf_learning_rate", vf_learning_rate, low=0.0, low_inclusive=False)
    check_range("vf_n_epochs", vf_n_epochs, low=1, integer=True)
    check_range("vf_batch_size", vf_batch_size, low=1, integer=True)
    check_range("vf_max_grad_norm", vf_max_grad_norm, low=0.0, low_inclusive=False)
    if not isinstance(normalize_advantage, (bool, np.bool_)) and not (
        isinstance(normalize_advantage, str) and normalize_advantage in NORMALIZE_ADVANTAGE
    ):
        raise ValueError(
            f"normalize_advantage must be one of {NORMALIZE_ADVANTAGE}, got normalize_advantage={normalize_advantage!r}"
        )
    if chunk_size is not None:
        check_range("chunk_size", chunk_size, low=1, integer=True)
    if bootstrap_truncated and baseline != "value":
        raise ValueError(f"bootstrap_truncated=True needs baseline='value', got baseline={baseline!r}")


class REINFORCE(OnPolicyAlgorithm):
    """
    REINFORCE: Monte Carlo policy gradient (Williams, 1992), with an optional baseline: a learned
    state value ("REINFORCE with baseline", Sutton & Barto 2nd ed. §13.3-13.4) or rllab's linear
    feature baseline (Duan et al. 2016, https://arxiv.org/abs/1604.06778).

    Paper: https://doi.org/10.1007/BF00992696
    Book: http://incompleteideas.net/book/the-book-2nd.html (chapter 13)

    The update is an unbiased estimate of the policy gradient: returns are Monte Carlo returns of
    the policy being updated, nothing is bootstrapped from a value function (unless
    ``bootstrap_truncated`` asks for it), and which episodes are trained on never depends on their
    own future. An episode joins a rollout iff it starts before that env's ``n_steps``-th step of the
    rollout; the rollout then goes on until every joined episode has ended. Steps of episodes that
    did not join (those that started later, while the env waited for the others) are collected but
    never trained on. The loss is normalised by the constant ``n_steps * n_envs``, not by the number of
    steps collected, which depends on the episodes' lengths and so on their returns.

    :param policy: The policy model to use (MlpPolicy, CnnPolicy, MultiInputPolicy)
    :param env: The environment to learn from (if registered in Gym, can be str)
    :param learning_rate: The learning rate, it can be a function
        of the current progress remaining (from 1 to 0). Must be > 0
    :param n_steps: Number of steps per env during which new episodes join a rollout (an integer >= 1). A rollout
        holds every episode that starts in that window, run to its end, so it lasts from ``n_steps`` up to
        ``n_steps - 1 + L`` steps per env, L being the longest episode (and never more than ``max_rollout_steps``).
        ``learn(total_timesteps)`` stops after the rollout that reaches ``total_timesteps``, so it may run past it
        by up to ``n_envs * (n_steps - 1 + L) - 1`` steps (A2C and PPO: up to ``n_envs * n_steps - 1``)
    :param gamma: Discount factor, in [0, 1]
    :param ent_coef: Entropy coefficient for the loss calculation, >= 0. It can be a function of the current
        progress remaining (from 1 to 0), as ``learning_rate`` can: a decaying bonus explores early and lets the
        policy settle late (in an RL Zoo entry: ``ent_coef: lin_0.02``)
    :param vf_coef: Weight of the value baseline's regression loss, >= 0 (only used with ``baseline="value"``).
        The critic has its own optimiser, so with Adam this matters only against ``vf_max_grad_norm``
    :param max_grad_norm: The maximum value for the policy's gradient clipping, > 0 (``float("inf")`` disables
        clipping). The value baseline's gradient is clipped apart (``vf_max_grad_norm``)
    :param baseline: What to subtract from the returns G_t: ``"none"``: nothing; ``"value"``: a learned state
        value V(s), the policy's value head regressed on the returns with its own optimiser (REINFORCE with
        baseline, see ``ValueBaseline``); ``"linear"``: rllab/garage's linear feature baseline, least squares on
        the observation, its square and a cubic in the step index t (see ``LinearFeatureBaseline``). Either is
        fitted on a batch only after that batch's advantages were computed, with the fit of the earlier batches
    :param vf_learning_rate: The value baseline's learning rate, > 0
    :param vf_n_epochs: Passes of the value baseline's regression over each batch, >= 1
    :param vf_batch_size: Steps per minibatch of the value baseline's regression, >= 1
    :param vf_max_grad_norm: Clipping of the value baseline's gradient norm, > 0 (``float("inf")`` disables it)
    :param normalize_advantage: How to normalise the weights A_t = G_t - b(s_t): ``"unbiased"`` (the default):
        standardise them, (A_t - m) / s, with a mean m and std s that do not depend on the steps they weigh: for
        each env, the average of the other envs' statistics in the batch and of moving averages over the earlier
        batches (with one env, the latter alone), so that the update's expectation stays a positive multiple of the
        policy gradient (see ``sb3_reinforce.normalization``); ``"unbiased_returns"``: the same, but s is the std
        of the returns G_t, so that a baseline which explains the returns gives small weights instead of
        unit-size noise; ``True``: SB3's batch standardisation, (A_t - mean A) / std A over the batch;
        ``"returns"``: (A_t - mean A) / std G over the batch; ``False``: leave them. ``True`` and ``"returns"``
        put each step's own return in the statistics that weigh it: a bias of order 1/batch size
    :param use_gamma_t: Whether to multiply each step's term by gamma^t, t being the step's index inside its
        episode (Sutton & Barto's REINFORCE). With it and gamma < 1 the update is unbiased for the discounted
        objective. Off by default, as in most implementations: gamma^t all but erases the late steps of long
        episodes (0.99^500 < 0.01 on CartPole), which slows learning; without it the update follows the
        undiscounted objective as gamma approaches 1
    :param bootstrap_truncated: Opt-in: on a time-limit truncation, add gamma * V(terminal observation) to the
        last reward of the episode. Requires ``baseline="value"``. It biases the update by V's error
    :param max_rollout_steps: Maximum number of steps per env in one rollout (>= n_steps). A rollout waits for
        every joined episode to end, so an env that never ends raises an error once it is reached;
        the fix is a time limit (``gymnasium.wrappers.TimeLimit`` or ``max_episode_steps``)
    :param reset_between_rollouts: Whether to reset the envs after each rollout, abandoning the episodes that
        could not join it
    :param chunk_size: Steps per forward and backward pass of the update (an integer >= 1, or None). The update is
        one gradient step on the whole rollout, computed in chunks whose gradients add up to it (gradient
        accumulation), so that its memory is bounded by a chunk instead of the rollout. None: sized from the
        observation space, at most 2^24 observation values and 65,536 steps per chunk (594 steps of 84x84x4 frames;
        one chunk for any rollout of small vector observations)
    :param use_sde: Whether to use generalized State Dependent Exploration (gSDE)
        instead of action noise exploration (default: False)
    :param sde_sample_freq: Sample a new noise matrix every n steps when using gSDE
        Default: -1 (only sample at the beginning of the rollout)
    :param rollout_buffer_class: Rollout buffer class to use, a subclass of ``ReinforceRolloutBuffer`` (the
        whole-episode buffer whose methods the rollouts use). If ``None``, it will be automatically selected
        (``ReinforceRolloutBuffer``, or ``ReinforceDictRolloutBuffer`` for Dict observation spaces)
    :param rollout_buffer_kwargs: Keyword arguments to pass to the rollout buffer on creation, besides
        ``max_size``, which is ``max_rollout_steps``
    :param stats_window_size: Window size for the rollout logging, specifying the number of episodes to average
        the reported success rate, mean episode length, and mean reward over
    :param tensorboard_log: the log location for tensorboard (if None, no logging)
    :param policy_kwargs: additional arguments to be passed to the policy on creation
    :param verbose: Verbosity level: 0 for no output, 1 for info messages (such as device or wrappers used), 2 for
        debug messages
    :param seed: Seed for the pseudo random generators
    :param device: Device (cpu, cuda, ...) on which the code should be run.
        Setting it to auto, the code will be run on the GPU if possible.
    :param _init_setup_model: Whether or not to build the network at the creation of the instance
    """

    policy_aliases: ClassVar[dict[str, type[BasePolicy]]] = {
        "MlpPolicy": MlpPolicy,
        "CnnPolicy": CnnPolicy,
        "MultiInputPolicy": MultiInputPolicy,
    }
    # The action spaces SB3's BaseAlgorithm accepts (it asserts the env's against them); subclasses narrow them
    supported_action_spaces: ClassVar[tuple[type[spaces.Space], ...]] = (
        spaces.Box,
        spaces.Discrete,
        spaces.MultiDiscrete,
        spaces.MultiBinary,
    )
    # The rollout buffers picked when rollout_buffer_class is None: (default, for Dict observation spaces).
    # A rollout_buffer_class given by the user must subclass the first: collect_rollouts and train use its methods
    default_rollout_buffer_classes: ClassVar[tuple[type[ReinforceRolloutBuffer], type[ReinforceRolloutBuffer]]] = (
        ReinforceRolloutBuffer,
        ReinforceDictRolloutBuffer,
    )
    rollout_buffer: ReinforceRolloutBuffer
    # The estimator of baseline="value" (RecurrentREINFORCE's unrolls the critic's LSTM through whole episodes)
    value_baseline_class: ClassVar[type[ValueBaseline]] = ValueBaseline
    rollout_buffer_class: type[ReinforceRolloutBuffer] | None

    def __init__(
        self,
        policy: str | type[ActorCriticPolicy],
        env: GymEnv | str,
        learning_rate: float | Schedule = 3e-3,
        n_steps: int = 16,
        gamma: float = 0.99,
        ent_coef: float | Schedule = 0.0,
        vf_coef: float = 0.5,
        max_grad_norm: float = 0.5,
        baseline: str = "none",
        vf_learning_rate: float = 1e-3,
        vf_n_epochs: int = 10,
        vf_batch_size: int = 256,
        vf_max_grad_norm: float = 0.5,
        normalize_advantage: bool | str = "unbiased",
        use_gamma_t: bool = False,
        bootstrap_truncated: bool = False,
        max_rollout_steps: int = 100_000,
        reset_between_rollouts: bool = True,
        chunk_size: int | None = None,
        use_sde: bool = False,
        sde_sample_freq: int = -1,
        rollout_buffer_class: type[ReinforceRolloutBuffer] | None = None,
        rollout_buffer_kwargs: dict[str, Any] | None = None,
        stats_window_size: int = 100,
        tensorboard_log: str | None = None,
        policy_kwargs: dict[str, Any] | None = None,
        verbose: int = 0,
        seed: int | None = None,
        device: th.device | str = "auto",
        _init_setup_model: bool = True,
    ):
        check_hyperparameters(
            learning_rate=learning_rate,
            n_steps=n_steps,
            gamma=gamma,
            ent_coef=ent_coef,
            vf_coef=vf_coef,
            max_grad_norm=max_grad_norm,
            baseline=baseline,
            vf_learning_rate=vf_learning_rate,
            vf_n_epochs=vf_n_epochs,
            vf_batch_size=vf_batch_size,
            vf_max_grad_norm=vf_max_grad_norm,
            normalize_advantage=normalize_advantage,
            use_gamma_t=use_gamma_t,
            bootstrap_truncated=bootstrap_truncated,
            max_rollout_steps=max_rollout_steps,
            reset_between_rollouts=reset_between_rollouts,
            use_sde=use_sde,
            sde_sample_freq=sde_sample_freq,
            stats_window_size=stats_window_size,
            chunk_size=chunk_size,
        )
        if rollout_buffer_kwargs is not None and "max_size" in rollout_buffer_kwargs:
            raise ValueError(
                "rollout_buffer_kwargs must not set max_size: the buffer's max_size is max_rollout_steps, set that "
                f"instead (got rollout_buffer_kwargs={rollout_buffer_kwargs!r})"
            )
        if env is not None:
            # As SB3's BaseAlgorithm makes it (maybe_make_env leaves an env object as it is), so that the action space
            # is checked with a message that says what to use instead, before SB3 asserts it
            made_env = maybe_make_env(env, verbose)
            assert made_env is not None  # for mypy: only None gives None
            self._check_action_space(made_env.action_space)
            env = made_env

        super().__init__(
            policy,
            env,
            learning_rate=learning_rate,
            n_steps=n_steps,
            gamma=gamma,
            gae_lambda=1.0,
            # SB3 types it a float and only stores it; a schedule is read through ent_coef_schedule (_setup_lr_schedule)
            ent_coef=ent_coef,  # type: ignore[arg-type]
            vf_coef=vf_coef,
            max_grad_norm=max_grad_norm,
            use_sde=use_sde,
            sde_sample_freq=sde_sample_freq,
            rollout_buffer_class=rollout_buffer_class,
            rollout_buffer_kwargs=rollout_buffer_kwargs,
            stats_window_size=stats_window_size,
            tensorboard_log=tensorboard_log,
            policy_kwargs=policy_kwargs,
            verbose=verbose,
            device=device,
            seed=seed,
            _init_setup_model=False,
            supported_action_spaces=self.supported_action_spaces,
        )

        self.baseline = baseline
        self.vf_learning_rate = vf_learning_rate
        self.vf_n_epochs = vf_n_epochs
        self.vf_batch_size = vf_batch_size
        self.vf_max_grad_norm = vf_max_grad_norm
        self.normalize_advantage = normalize_advantage
        self.use_gamma_t = use_gamma_t
        self.bootstrap_truncated = bootstrap_truncated
        self.max_rollout_steps = max_rollout_steps
        self.reset_between_rollouts = reset_between_rollouts
        self.chunk_size = chunk_size
        # normalize_advantage="unbiased" / "unbiased_returns": moving averages of the earlier batches' means and
        # variances of the advantages and of the returns (updated_statistics), None before the first batch
        self._advantage_statistics: tuple[float, float] | None = None
        self._return_statistics: tuple[float, float] | None = None

        if _init_setup_model:
            self._setup_model()

    def _check_action_space(self, action_space: spaces.Space) -> None:
        """
        Refuse an action space that this class does not take (``supported_action_spaces``), where SB3's
        ``BaseAlgorithm`` would assert it with the classes' reprs.

        :param action_space: The env's action space
        :raises ValueError: If the space is not one of ``supported_action_spaces``, naming it and those
        """
        if not isinstance(action_space, self.supported_action_spaces):
            accepted = ", ".join(space.__name__ for space in self.supported_action_spaces)
            raise ValueError(
                f"{type(self).__name__} does not take the env's action space {action_space} "
                f"({type(action_space).__name__}); it takes {accepted} action spaces"
            )

    def _setup_model(self) -> None:
        self._check_policy_class()
        self._setup_rollout_buffer_class()
        super()._setup_model()
        self._setup_baseline()

    def _setup_lr_schedule(self) -> None:
        # Every _setup_model calls it (MaskableREINFORCE's too): the entropy coefficient's schedule is set up with it
        super()._setup_lr_schedule()
        self.ent_coef_schedule = FloatSchedule(self.ent_coef)

    def current_ent_coef(self) -> float:
        """
        The entropy coefficient at the current progress remaining: ``ent_coef`` itself, or its schedule's value.

        :return: The coefficient, >= 0
        :raises ValueError: If a schedule returns a negative or non-finite value
        """
        ent_coef = float(self.ent_coef_schedule(self._current_progress_remaining))
        if not (np.isfinite(ent_coef) and ent_coef >= 0.0):
            raise ValueError(
                f"ent_coef must be >= 0, got ent_coef={ent_coef} from its schedule at progress remaining "
                f"{self._current_progress_remaining}"
            )
        return ent_coef

    def _get_policy_from_name(self, policy_name: str) -> type[BasePolicy]:
        """
        The policy class that a string names (``policy_aliases``). A name that this class does not take but another of
        the package's algorithms does (``"MlpLstmPolicy"`` given to ``REINFORCE``, ``"MlpPolicy"`` given to
        ``RecurrentREINFORCE``) gets an error that names that algorithm, where SB3's says only "unknown".

        :param policy_name: The alias, as the user typed it
        :return: The policy class
        :raises ValueError: If this class has no policy of that name
        """
        if policy_name in self.policy_aliases:
            return self.policy_aliases[policy_name]
        import sb3_reinforce  # the variants import this module: look them up when needed

        owners = [
            algo.__name__
            for algo in (sb3_reinforce.REINFORCE, sb3_reinforce.MaskableREINFORCE, sb3_reinforce.RecurrentREINFORCE)
            if policy_name in algo.policy_aliases
        ]
        accepted = ", ".join(map(repr, self.policy_aliases))
        hint = ""
        if owners:
            use = "that class" if len(owners) == 1 else "one of them"
            hint = f"; {policy_name!r} is a policy of {' and '.join(owners)}: use {use}"
        raise ValueError(
            f"Policy {policy_name!r} unknown to {type(self).__name__}, which takes {accepted} or a policy class{hint}"
        )

    def _check_policy_class(self) -> None:
        """
        Refuse a policy class this algorithm cannot train, pointing to the class that can. A hook for subclasses
        (MaskableREINFORCE and RecurrentREINFORCE check for their own policies).

        :raises ValueError: If the policy is not an ``ActorCriticPolicy``, or is a recurrent one
        """
        if isinstance(self.policy_class, type) and issubclass(self.policy_class, RecurrentActorCriticPolicy):
            raise ValueError(
                f"REINFORCE needs a feedforward policy, got the recurrent {self.policy_class!r}: for sb3-contrib's "
                "recurrent policies use RecurrentREINFORCE ('MlpLstmPolicy', 'CnnLstmPolicy', 'MultiInputLstmPolicy')"
            )
        if not (isinstance(self.policy_class, type) and issubclass(self.policy_class, ActorCriticPolicy)):
            raise ValueError(
                "REINFORCE needs a policy that subclasses SB3's ActorCriticPolicy ('MlpPolicy', 'CnnPolicy', "
                f"'MultiInputPolicy'), got {self.policy_class!r}; for sb3-contrib's maskable policies use MaskableREINFORCE"
            )

    def _setup_rollout_buffer_class(self) -> None:
        """
        Pick the rollout buffer class when ``rollout_buffer_class`` is None, refuse one that does not subclass
        ``default_rollout_buffer_classes[0]``, and pass ``max_rollout_steps`` as the buffer's ``max_size``.
        Run by ``_setup_model``, so also on load(), once the spaces are known (the class chosen is saved).
        """
        base_class, dict_class = self.default_rollout_buffer_classes
        if self.rollout_buffer_class is None:
            self.rollout_buffer_class = dict_class if isinstance(self.observation_space, spaces.Dict) else base_class
        elif not (isinstance(self.rollout_buffer_class, type) and issubclass(self.rollout_buffer_class, base_class)):
            raise ValueError(
                f"rollout_buffer_class must be a subclass of {base_class.__module__}.{base_class.__qualname__} "
                f"(a buffer of whole episodes, as {type(self).__name__} collects them), got {self.rollout_buffer_class!r}"
            )
        self.rollout_buffer_kwargs = {**self.rollout_buffer_kwargs, "max_size": self.max_rollout_steps}

    def _setup_baseline(self) -> None:
        """Build the baseline estimator that ``baseline`` names (None for ``"none"``), once the policy exists."""
        self.baseline_estimator: Baseline | None = None
        if self.baseline == "value":
            self.baseline_estimator = self.value_baseline_class(self.policy, **self._value_baseline_kwargs())
        elif self.baseline == "linear":
            self.baseline_estimator = LinearFeatureBaseline(self.observation_space)

    def _value_baseline_kwargs(self) -> dict[str, Any]:
        """
        The keyword arguments ``value_baseline_class`` is built with, besides the policy. A hook for subclasses
        (RecurrentREINFORCE adds the bound on the padded steps of one pass of the critic's LSTM).

        :return: The keyword arguments
        """
        return {
            "learning_rate": self.vf_learning_rate,
            "n_epochs": self.vf_n_epochs,
            "batch_size": self.vf_batch_size,
            "max_grad_norm": self.vf_max_grad_norm,
            "vf_coef": self.vf_coef,
        }

    def _excluded_save_params(self) -> list[str]:
        # The baseline's state goes through state_dict (_get_torch_save_params)
        return [*super()._excluded_save_params(), "baseline_estimator"]

    def _get_torch_save_params(self) -> tuple[list[str], list[str]]:
        state_dicts, torch_variables = super()._get_torch_save_params()
        if self.baseline_estimator is not None:
            state_dicts.append("baseline_estimator")
        return state_dicts, torch_variables

    def save(
        self,
        path: str | pathlib.Path | io.BufferedIOBase,
        exclude: Iterable[str] | None = None,
        include: Iterable[str] | None = None,
    ) -> None:
        """
        Save the model as SB3 does, and record in the zip's data which class and which sb3-reinforce version saved
        it (``save_util.MARKER_KEY``), for ``load`` to check.

        :param path: path to the file where the rl agent should be saved
        :param exclude: name of parameters that should be excluded in addition to the default ones
        :param include: name of parameters that might be excluded but should be included anyway
        """
        # SB3's save stores a copy of self.__dict__: the marker lives there only while saving
        self.__dict__[MARKER_KEY] = saved_by(type(self))
        try:
            super().save(path, exclude=exclude, include=include)
        finally:
            del self.__dict__[MARKER_KEY]

    @classmethod
    def load(
        cls: type[SelfREINFORCE],
        path: str | pathlib.Path | io.BufferedIOBase,
        env: GymEnv | None = None,
        device: th.device | str = "auto",
        custom_objects: dict[str, Any] | None = None,
        print_system_info: bool = False,
        force_reset: bool = True,
        **kwargs,
    ) -> SelfREINFORCE:
        """
        Load a model saved by this class's ``save``, as SB3's ``load`` does (see its docstring for the arguments),
        after checking the file (``save_util.check_saved_model``).

        :param path: path to the file (or a file-like) where to load the agent from
        :param env: the new environment to run the loaded model on
            (can be None if you only need prediction from a trained model) has priority over any saved environment
        :param device: Device on which the code should run.
        :param custom_objects: Dictionary of objects to replace upon loading (see SB3's ``load``)
        :param print_system_info: Whether to print system info from the saved model and the current system info
        :param force_reset: Force call to ``reset()`` before training to avoid unexpected behavior
        :param kwargs: extra arguments to change the model when loading
        :return: new model instance with loaded parameters
        :raises FileNotFoundError: If there is no such file (nor with ``.zip`` added), naming the path as given
        :raises ValueError: If the file is truncated or corrupt (naming it), or was saved by another class
            (``MaskableREINFORCE`` for ``REINFORCE`` and the other way round), by another algorithm (A2C, PPO, ...),
            or by a version of sb3-reinforce whose files this one cannot read (0.1.0, whose files record no version)
        """
        check_saved_model(path, cls)
        model = super().load(
            path,
            env=env,
            device=device,
            custom_objects=custom_objects,
            print_system_info=print_system_info,
            force_reset=force_reset,
            **kwargs,
        )
        # SB3's load copies every saved key onto the model; the marker describes the file, not the model
        model.__dict__.pop(MARKER_KEY, None)
        return model

    def _update_current_progress_remaining(self, num_timesteps: int, total_timesteps: int) -> None:
        """
        Progress remaining, from 1 to 0, as in SB3, but never below 0. A rollout runs its episodes to their end,
        so ``num_timesteps`` can pass ``total_timesteps`` by many steps, and an unclamped linear schedule (the
        RL Zoo's ``lin_``) would give the last update a negative learning rate: a step up the loss.

        :param num_timesteps: current number of timesteps
        :param total_timesteps: the ``total_timesteps`` of ``learn()``
        """
        super()._update_current_progress_remaining(min(num_timesteps, total_timesteps), total_timesteps)

    def collect_rollouts(
        self,
        env: VecEnv,
        callback: BaseCallback,
        # Narrower than SB3's RolloutBuffer: the whole-episode buffer's add() and compute_returns() are used
        rollout_buffer: ReinforceRolloutBuffer,  # type: ignore[override]
        n_rollout_steps: int,
    ) -> bool:
        """
        Collect whole episodes with the current policy (actor only) into ``rollout_buffer``.

        An env's episode joins the rollout iff it starts before step ``n_rollout_steps`` of the rollout.
        The envs step together until every joined episode has ended; the steps of the other episodes
        are stored but marked non-trainable. Whether an episode joins depends only on when it starts,
        never on its own future, so every joined episode is an unbiased sample.

        :param env: The training environment
        :param callback: Callback that will be called at each step
            (and at the beginning and end of the rollout)
        :param rollout_buffer: Buffer to fill with rollouts
        :param n_rollout_steps: Number of steps per env during which new episodes join the rollout
        :return: True if the rollout was collected, False if the callback stopped it
        """
        assert self._last_obs is not None, "No previous observation was provided"
        assert self._last_episode_starts is not None, "No previous episode starts were provided"
        self.policy.set_training_mode(False)
        rollout_buffer.reset()
        if self.use_sde:
            self.policy.reset_noise(env.num_envs)
        callback.on_rollout_start()

        # An episode already running when the rollout starts began under an older policy: it never joins.
        joined = self._last_episode_starts.astype(bool)
        pending = joined.copy()
        episode_steps = np.zeros(env.num_envs, dtype=np.int64)
        n_steps = 0
        while n_steps < n_rollout_steps or pending.any():
            if n_steps >= self.max_rollout_steps:
                raise RuntimeError(
                    f"An episode has lasted max_rollout_steps={self.max_rollout_steps} steps without ending. "
                    "REINFORCE needs episodes that end: give the env a time limit "
                    "(gymnasium.wrappers.TimeLimit, or max_episode_steps in gymnasium.make / make_vec_env), "
                    "or raise max_rollout_steps."
                )
            if self.use_sde and self.sde_sample_freq > 0 and n_steps % self.sde_sample_freq == 0:
                self.policy.reset_noise(env.num_envs)

            with th.no_grad():
                # SB3 types _last_obs as an array, a dict or a tuple of arrays; VecEnv observations are never tuples
                obs_tensor = obs_as_tensor(self._last_obs, self.device)  # type: ignore[arg-type]
                actions, step_data = self._sample_finite_actions(env, obs_tensor)

            new_obs, rewards, dones, infos = env.step(self._env_actions(actions))
            self.num_timesteps += env.num_envs

            callback.update_locals(locals())
            if not callback.on_step():
                return False
            self._update_info_buffer(infos, dones)

            episode_starts = self._last_episode_starts.astype(bool)
            joined = np.where(episode_starts, n_steps < n_rollout_steps, joined)
            episode_steps = np.where(episode_starts, 0, episode_steps + 1)
            # As above: _last_obs is never a tuple here
            rollout_buffer.add(self._last_obs, actions, rewards, episode_starts, joined, episode_steps, **step_data)  # type: ignore[arg-type]
            if self.bootstrap_truncated:
                self._add_truncation_values(rollout_buffer, infos, dones & joined)

            self._last_obs = new_obs  # type: ignore[assignment]  # SB3's own collect_rollouts has the same ignore
            self._last_episode_starts = dones
            pending = joined & ~dones
            n_steps += 1

        self._check_finite_observations(rollout_buffer)
        rollout_buffer.compute_returns(dones)
        self._record_rollout_stats(rollout_buffer)
        if self.reset_between_rollouts:
            # Abandon the episodes that started while the env waited: they would never join a rollout
            self._last_obs = env.reset()  # type: ignore[assignment]  # as in SB3's BaseAlgorithm._setup_learn
            self._last_episode_starts = np.ones((env.num_envs,), dtype=bool)

        callback.update_locals(locals())
        callback.on_rollout_end()
        return True

    def _sample_actions(self, env: VecEnv, obs_tensor: PyTorchObs) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """
        Sample the actions of one step from the actor alone (``sampling.sample_actions``).
        A hook for subclasses that sample differently (MaskableREINFORCE applies the env's action masks).

        :param env: The training environment, before the step
        :param obs_tensor: Its current observations, as tensors
        :return: The actions, and any per-step data that ``rollout_buffer.add`` stores with them
            (as keyword arguments; none here)
        """
        return sample_actions(self.policy, obs_tensor).cpu().numpy(), {}

    def _sample_finite_actions(self, env: VecEnv, obs_tensor: PyTorchObs) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """
        ``_sample_actions``, with an error that names the cause where an observation or the policy is not finite: a
        categorical draw from the NaN probabilities they give fails inside torch, and a Gaussian one returns NaN actions.

        :param env: The training environment, before the step
        :param obs_tensor: Its current observations, as tensors
        :return: The actions and the per-step data of ``_sample_actions``
        :raises ValueError: If an observation or a parameter of the policy is not finite
        """
        try:
            actions, step_data = self._sample_actions(env, obs_tensor)
        except RuntimeError as error:
            self._check_finite_inputs(error)
            raise
        if actions.dtype.kind == "f" and not np.isfinite(actions).all():
            self._check_finite_inputs(None)
        return actions, step_data

    def _check_finite_inputs(self, error: RuntimeError | None) -> None:
        """
        Raise a ``ValueError`` naming the envs whose current observation holds inf or NaN, or else the policy's
        non-finite parameters; return if both are finite.

        :param error: The error that sampling raised, chained to ours (None: the sampled actions were not finite)
        :raises ValueError: If an observation or a parameter of the policy is not finite
        """
        assert self._last_obs is not None
        bad_envs = np.flatnonzero(non_finite(self._last_obs, leading_dims=1))
        if len(bad_envs):
            raise ValueError(
                f"The observation of env {', '.join(map(str, bad_envs))} holds non-finite values (inf or NaN): the "
                f"policy cannot sample an action from it. {NON_FINITE_OBSERVATIONS_HINT}"
            ) from error
        if not all(th.isfinite(param).all() for param in self.policy.parameters()):
            raise ValueError(
                "The policy's parameters hold non-finite values (inf or NaN), so it cannot sample actions: the updates "
                "diverged. Lower learning_rate or max_grad_norm, and check the rewards (VecCheckNan helps)"
            ) from error

    def _check_finite_observations(self, rollout_buffer: ReinforceRolloutBuffer) -> None:
        """
        Refuse a rollout whose observations hold inf or NaN, before it is trained on: a saturating network (tanh) may
        still sample from them, but their gradient is NaN and would silently make every parameter NaN.

        :param rollout_buffer: Buffer holding the rollout
        :raises ValueError: Naming the first env and step whose observation is not finite
        """
        size = rollout_buffer.pos
        observations = rollout_buffer.observations
        bad = non_finite(
            {key: obs[:size] for key, obs in observations.items()} if isinstance(observations, dict) else observations[:size],
            leading_dims=2,
        )
        if bad.any():
            step, env_idx = np.argwhere(bad)[0]
            raise ValueError(
                f"The observations hold non-finite values (inf or NaN), first that of env {env_idx} at step {step} of the "
                f"rollout ({int(bad.sum())} of its {bad.size} steps): the update cannot be computed on them. "
                f"{NON_FINITE_OBSERVATIONS_HINT}"
            )

    def _distribution_kwargs(self, rollout_data: ReinforceRolloutBufferSamples) -> dict[str, Any]:
        """
        Extra keyword arguments for the policy's ``evaluate_actions`` and ``get_distribution`` in the loss.
        A hook for subclasses (MaskableREINFORCE passes the stored action masks); none here.

        :param rollout_data: The trainable steps of a rollout
        :return: The keyword arguments
        """
        return {}

    def _log_prob_and_entropy(
        self, rollout_data: ReinforceRolloutBufferSamples, actions: th.Tensor
    ) -> tuple[th.Tensor, th.Tensor | None]:
        """
        log pi_theta(a_t|s_t) and the entropy H[pi_theta(.|s_t)] (None where it has no closed form) of a batch of
        steps, differentiable with respect to theta: ``policy.get_distribution`` of the observations.
        A hook for subclasses (RecurrentREINFORCE unrolls the policy's LSTM through each whole episode).

        :param rollout_data: Trainable steps of a rollout (a batch, or a chunk of one)
        :param actions: Their actions, as the distribution takes them
        :return: The log-probabilities and the entropies, shape (batch,)
        """
        distribution = self.policy.get_distribution(rollout_data.observations, **self._distribution_kwargs(rollout_data))
        return distribution.log_prob(actions), distribution.entropy()

    def _env_actions(self, actions: np.ndarray) -> np.ndarray:
        """
        The actions to send to the env, as SB3's collect_rollouts makes them: Box actions are reshaped to the
        action space's shape (the policy samples them flat), then unscaled (squashed gSDE) or clipped to the
        bounds; the buffer keeps the sampled, unclipped ones.

        :param actions: Actions sampled from the policy
        :return: Actions within the env's action space
        """
        if not isinstance(self.action_space, spaces.Box):
            return actions
        # The policy samples flat actions; the env wants the space's shape (SB3's policy.forward reshapes too)
        actions = actions.reshape((-1, *self.action_space.shape))
        if self.policy.squash_output:
            return self.policy.unscale_action(actions)
        return np.clip(actions, self.action_space.low, self.action_space.high)

    def _add_truncation_values(self, rollout_buffer: ReinforceRolloutBuffer, infos: list[dict], ended: np.ndarray) -> None:
        """
        Opt-in bootstrap: on a time-limit truncation of a joined episode, add gamma * V(terminal_obs).

        :param rollout_buffer: Buffer holding the rollout
        :param infos: The envs' infos of the last step
        :param ended: Whether a joined episode ended at the last step, per env
        """
        for idx in np.flatnonzero(ended):
            if infos[idx].get("TimeLimit.truncated", False) and infos[idx].get("terminal_observation") is not None:
                terminal_obs = self.policy.obs_to_tensor(infos[idx]["terminal_observation"])[0]
                with th.no_grad():
                    terminal_value = self.policy.predict_values(terminal_obs)[0].item()
                rollout_buffer.add_truncation_value(int(idx), terminal_value)

    def _record_rollout_stats(self, rollout_buffer: ReinforceRolloutBuffer) -> None:
        """
        Log what the rollout holds: episodes and steps trained on, steps collected and discarded.

        :param rollout_buffer: Buffer holding the rollout
        """
        size = rollout_buffer.pos
        trainable = rollout_buffer.trainable[:size]
        n_trainable = int(trainable.sum())
        n_collected = size * rollout_buffer.n_envs
        n_episodes = int((trainable & rollout_buffer.episode_starts[:size].astype(bool)).sum())
        self.logger.record("rollout/batch_episodes", n_episodes)
        if n_episodes > 0:
            self.logger.record("rollout/batch_ep_rew_mean", float(rollout_buffer.rewards[:size][trainable].sum()) / n_episodes)
        self.logger.record("rollout/steps_collected", n_collected)
        self.logger.record("rollout/steps_discarded", n_collected - n_trainable)

    def _chunk_size(self) -> int:
        """
        Steps per forward and backward pass: ``chunk_size``, or, when it is None, as many steps as keep a chunk's
        observations under ``CHUNK_OBS_VALUES`` values, at most ``MAX_CHUNK_SIZE``.

        :return: The number of steps per chunk
        """
        if self.chunk_size is not None:
            return self.chunk_size
        return int(np.clip(CHUNK_OBS_VALUES // max(spaces.flatdim(self.observation_space), 1), 1, MAX_CHUNK_SIZE))

    def _chunks(self, rollout_data: ReinforceRolloutBufferSamples) -> list[slice]:
        """
        The slices of a batch that are put through the network one at a time (``_chunk_size`` steps each).

        :param rollout_data: The trainable steps of a rollout
        :return: Consecutive slices covering the batch
        """
        size = self._chunk_size()
        return [slice(start, start + size) for start in range(0, len(rollout_data.returns), size)]

    def normalize(self, advantages: th.Tensor, returns: th.Tensor, env_indices: th.Tensor) -> th.Tensor:
        """
        Normalise the advantages of a whole batch as ``normalize_advantage`` says:

        - ``"unbiased"``: (A_t - m_i) / s_i, with m_i and s_i^2 the averages of the other envs' mean and variance of
          the advantages (env i being the step's own) and of the moving averages of the earlier batches' (with one
          env, the latter alone; the first batch is left as it is): ``sb3_reinforce.normalization``;
        - ``"unbiased_returns"``: (A_t - m_i) / s_i(G), m_i as above and s_i(G) the same standard deviation taken
          of the returns G_t instead of the advantages;
        - ``True``: (A_t - mean A) / (std A + 1e-8), SB3's, over the batch;
        - ``"returns"``: (A_t - mean A) / (std G + 1e-8), over the batch;
        - ``False``: A_t.

        :param advantages: A_t = G_t - b(s_t, t), shape (batch,)
        :param returns: G_t, shape (batch,)
        :param env_indices: The env of each step, shape (batch,)
        :return: The normalised advantages
        """
        if not self.normalize_advantage:
            return advantages
        if self.normalize_advantage in DIRECTION_UNBIASED:
            # Statistics of the other envs and of the earlier batches, then this batch joins the moving averages
            mean, std = direction_unbiased_statistics(advantages, env_indices, self.n_envs, self._advantage_statistics)
            if self.normalize_advantage == "unbiased_returns":
                _, std = direction_unbiased_statistics(returns, env_indices, self.n_envs, self._return_statistics)
            self._advantage_statistics = updated_statistics(self._advantage_statistics, advantages)
            self._return_statistics = updated_statistics(self._return_statistics, returns)
            return (advantages - mean) / std
        if len(advantages) < 2:
            return advantages
        scale = returns.std() if self.normalize_advantage == "returns" else advantages.std()
        return (advantages - advantages.mean()) / (scale + 1e-8)

    def compute_advantages(self, rollout_data: ReinforceRolloutBufferSamples) -> tuple[th.Tensor, dict[str, float]]:
        """
        The weights psi_t of the REINFORCE loss for a whole batch, without gradient (b the baseline, 0 without one):

            psi_t = w_t * normalize(G_t - b(s_t, t)),    w_t = gamma^t if ``use_gamma_t`` else 1

        b is the baseline as fitted on the previous batches: it is fitted on this one afterwards (``fit_baseline``),
        so it does not depend on this batch's returns. Any statistic that spans the batch (``normalize``) is taken
        here, on the whole batch, before the loss is computed chunk by chunk.

        :param rollout_data: The trainable steps of a rollout
        :return: psi_t, shape (batch,), and the figures to log
        """
        returns = rollout_data.returns
        logs: dict[str, float] = {"return_mean": returns.mean().item()}
        if self.baseline_estimator is None:
            advantages = returns
        else:
            # A_t = G_t - b(s_t, t), b fitted on the previous batches only; predicted chunk by chunk
            baseline_values = th.cat(
                [
                    self.baseline_estimator.predict(self.policy, chunk.observations, chunk.episode_steps)
                    for chunk in (index_samples(rollout_data, rows) for rows in self._chunks(rollout_data))
                ]
            )
            advantages = returns - baseline_values
            # How well the fit of the previous batches predicts this batch's returns
            logs["value_loss"] = F.mse_loss(baseline_values, returns).item()
            logs["explained_variance"] = float(explained_variance(baseline_values.cpu().numpy(), returns.cpu().numpy()))
        advantages = self.normalize(advantages, returns, rollout_data.env_indices)
        if self.use_gamma_t:
            advantages = rollout_data.discounts * advantages
        return advantages, logs

    def compute_loss(
        self, rollout_data: ReinforceRolloutBufferSamples, advantages: th.Tensor | None = None
    ) -> tuple[th.Tensor, dict[str, float]]:
        """
        The REINFORCE loss of a batch of steps of whole episodes. With C = n_steps * n_envs (a constant) and
        psi_t the weights of ``compute_advantages``:

            L(theta) = -(1/C) sum_t psi_t log pi_theta(a_t|s_t) - ent_coef (1/C) sum_t H[pi_theta(.|s_t)]

        Its gradient with respect to the policy parameters theta (not the actions) is the REINFORCE
        estimate of the policy gradient, times the constant E[episodes per rollout] / C.
        For a categorical policy, -log pi(a_t|s_t) is the cross-entropy of the logits with the taken
        action as label; for a Gaussian policy, log pi(a_t|s_t) is the log density of the taken action.
        L is a sum over steps: the losses of the chunks of a batch add up to the batch's, and so do their gradients.

        :param rollout_data: Trainable steps of a rollout: a whole batch, or a chunk of one
        :param advantages: psi_t for these steps, from ``compute_advantages`` on the whole batch;
            None: computed here, on ``rollout_data`` taken as the whole batch
        :return: The loss, and the figures to log of these steps: ``loss`` (L), ``policy_loss`` and
            ``entropy_loss`` on SB3's scale, -mean_t psi_t log pi(a_t|s_t) and -mean_t H[pi(.|s_t)]
        """
        logs: dict[str, float] = {}
        if advantages is None:
            advantages, logs = self.compute_advantages(rollout_data)
        actions = rollout_data.actions
        if isinstance(self.action_space, spaces.Discrete):
            # Convert discrete action from float to long
            actions = actions.long().flatten()
        log_prob, entropy = self._log_prob_and_entropy(rollout_data, actions)
        # Entropy bonus; -log pi estimates the entropy when it has no closed form (gSDE with squashing)
        if entropy is None:
            entropy = -log_prob

        # REINFORCE: -(1/C) sum_t psi_t log pi(a_t|s_t), with the constant C = n_steps * n_envs
        loss_scale = 1.0 / (self.n_steps * self.n_envs)
        weighted_log_prob = advantages * log_prob
        loss = -(weighted_log_prob.sum() + self.current_ent_coef() * entropy.sum()) * loss_scale

        logs["loss"] = loss.item()
        logs["policy_loss"] = -weighted_log_prob.mean().item()
        logs["entropy_loss"] = -entropy.mean().item()
        return loss, logs

    def accumulate_gradient(self, rollout_data: ReinforceRolloutBufferSamples) -> dict[str, float]:
        """
        Add the gradient of the whole batch's loss to the policy's ``.grad``, chunk by chunk (``chunk_size``):
        the weights psi_t first, on the whole batch (``compute_advantages``), then one forward and backward pass
        per chunk. The loss being a sum over steps, the chunks' gradients add up to the batch's.

        :param rollout_data: The trainable steps of a rollout
        :return: The figures to log, over the whole batch (``policy_loss`` and ``entropy_loss``: means over its steps)
        """
        advantages, logs = self.compute_advantages(rollout_data)
        totals = {"loss": 0.0, "policy_loss": 0.0, "entropy_loss": 0.0}
        n_steps = len(advantages)
        for rows in self._chunks(rollout_data):
            loss, chunk_logs = self.compute_loss(index_samples(rollout_data, rows), advantages[rows])
            if not th.isfinite(loss):
                raise ValueError(
                    f"The REINFORCE loss is {loss.item()}: the rewards, observations or learning_rate produce "
                    "non-finite values. Check the env's rewards and observations (VecCheckNan helps locate them)."
                )
            loss.backward()
            share = len(advantages[rows]) / n_steps
            totals["loss"] += chunk_logs["loss"]
            totals["policy_loss"] += chunk_logs["policy_loss"] * share
            totals["entropy_loss"] += chunk_logs["entropy_loss"] * share
        return {**logs, **totals}

    def fit_baseline(self, rollout_data: ReinforceRolloutBufferSamples) -> None:
        """
        Fit the baseline on a batch whose advantages have been computed (after the policy step), so that
        the next batch's advantages use a baseline that has never seen that next batch's returns.

        :param rollout_data: The trainable steps of a rollout
        """
        if self.baseline_estimator is not None:
            self.baseline_estimator.fit(
                self.policy, rollout_data.observations, rollout_data.episode_steps, rollout_data.returns
            )

    def train(self) -> None:
        """
        Update the policy with one gradient step on the whole rollout (see ``compute_loss`` for the maths),
        accumulated chunk by chunk (``accumulate_gradient``), then fit the baseline on it (``fit_baseline``).
        """
        self.policy.set_training_mode(True)
        self._update_learning_rate(self.policy.optimizer)

        # One batch: every trainable step of the rollout
        for rollout_data in self.rollout_buffer.get(batch_size=None):
            self.policy.optimizer.zero_grad()
            logs = self.accumulate_gradient(rollout_data)
            th.nn.utils.clip_grad_norm_(self.policy.parameters(), self.max_grad_norm)
            self.policy.optimizer.step()
            # Only now: this batch's advantages were computed with the fit of the previous batches
            self.fit_baseline(rollout_data)

            self._n_updates += 1
            self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
            for key, value in logs.items():
                self.logger.record(f"train/{key}", value)
            if callable(self.ent_coef):
                self.logger.record("train/ent_coef", self.current_ent_coef())
            if hasattr(self.policy, "log_std"):
                self.logger.record("train/std", th.exp(self.policy.log_std).mean().item())

    def learn(
        self: SelfREINFORCE,
        total_timesteps: int,
        callback: MaybeCallback = None,
        log_interval: int = 10,
        tb_log_name: str = "REINFORCE",
        reset_num_timesteps: bool = True,
        progress_bar: bool = False,
    ) -> SelfREINFORCE:
        return super().learn(
            total_timesteps=total_timesteps,
            callback=callback,
            log_interval=log_interval,
            tb_log_name=tb_log_name,
            reset_num_timesteps=reset_num_timesteps,
            progress_bar=progress_bar,
        )
