from typing import Any, ClassVar, TypeVar, cast

import numpy as np
import torch as th
from gymnasium import spaces
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from sb3_contrib.common.maskable.utils import get_action_masks, is_masking_supported
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.policies import BasePolicy
from stable_baselines3.common.type_aliases import GymEnv, MaybeCallback, PyTorchObs, Schedule
from stable_baselines3.common.vec_env import VecEnv

from sb3_reinforce.buffers import ReinforceRolloutBuffer
from sb3_reinforce.reinforce import REINFORCE
from sb3_reinforce.reinforce_mask.buffers import (
    MaskableReinforceDictRolloutBuffer,
    MaskableReinforceRolloutBuffer,
    MaskableReinforceRolloutBufferSamples,
    mask_dims,
)
from sb3_reinforce.reinforce_mask.policies import CnnPolicy, MlpPolicy, MultiInputPolicy
from sb3_reinforce.sampling import sample_actions

SelfMaskableREINFORCE = TypeVar("SelfMaskableREINFORCE", bound="MaskableREINFORCE")

NO_MASKS_ERROR = "Environment does not support action masking. Consider using ActionMasker wrapper"


class MaskableREINFORCE(REINFORCE):
    """
    REINFORCE (Monte Carlo policy gradient) with Invalid Action Masking: ``REINFORCE`` sampling and learning
    from the masked policy, with sb3-contrib's ``MaskablePPO`` user contract (its maskable policies,
    ``learn(..., use_masking=True)``, ``predict(..., action_masks=...)``, ``get_action_masks`` / ``ActionMasker``,
    ``MaskableEvalCallback`` and the maskable ``evaluate_policy``).

    Paper: https://doi.org/10.1007/BF00992696 (REINFORCE)
    Background on Invalid Action Masking: https://arxiv.org/abs/2006.14171

    At every step the env gives a mask m(s, .) (True: valid) and the policy is the masked softmax of its logits l:

        pi_theta(a|s) = m(s, a) exp(l_a(s)) / sum_b m(s, b) exp(l_b(s))

    (the logits of invalid actions are set to -1e8, as sb3-contrib does: their probability is exactly 0 in
    float32). Invalid actions are never sampled. The masks are stored with each step, and the loss uses the
    log-probabilities and entropy of the same masked distribution, so the update is REINFORCE's unbiased
    estimate of the gradient of the masked policy's expected return. Everything else (whole-episode rollouts,
    Monte Carlo returns, baselines, options) is ``REINFORCE``'s.

    :param policy: The policy model to use (MlpPolicy, CnnPolicy, MultiInputPolicy), or a subclass of
        sb3-contrib's ``MaskableActorCriticPolicy``
    :param env: The environment to learn from (if registered in Gym, can be str). With ``use_masking=True``
        it must give masks: an ``action_masks()`` method, or the ``ActionMasker`` wrapper
    :param learning_rate: The learning rate, it can be a function
        of the current progress remaining (from 1 to 0). Must be > 0
    :param n_steps: Number of steps per env during which new episodes join a rollout (an integer >= 1). A rollout
        holds every episode that starts in that window, run to its end, so it lasts from ``n_steps`` up to
        ``n_steps - 1 + L`` steps per env, L being the longest episode (and never more than ``max_rollout_steps``).
        ``learn(total_timesteps)`` stops after the rollout that reaches ``total_timesteps``, so it may run past it
        by up to ``n_envs * (n_steps - 1 + L) - 1`` steps (A2C and PPO: up to ``n_envs * n_steps - 1``)
    :param gamma: Discount factor, in [0, 1]
    :param ent_coef: Entropy coefficient for the loss calculation (entropy of the masked distribution), >= 0.
        It can be a function of the current progress remaining (from 1 to 0), as ``learning_rate`` can
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
    :param rollout_buffer_class: Rollout buffer class to use, a subclass of ``MaskableReinforceRolloutBuffer`` (the
        whole-episode buffer that stores the masks). If ``None``, it will be automatically selected
        (``MaskableReinforceRolloutBuffer``, or ``MaskableReinforceDictRolloutBuffer`` for Dict observation spaces)
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
    # Box actions cannot be masked: _check_action_space refuses them before anything is built
    supported_action_spaces: ClassVar[tuple[type[spaces.Space], ...]] = (
        spaces.Discrete,
        spaces.MultiDiscrete,
        spaces.MultiBinary,
    )
    default_rollout_buffer_classes: ClassVar[tuple[type[ReinforceRolloutBuffer], type[ReinforceRolloutBuffer]]] = (
        MaskableReinforceRolloutBuffer,
        MaskableReinforceDictRolloutBuffer,
    )
    # Ignored for mypy ([assignment]): sb3-contrib's MaskableActorCriticPolicy is a BasePolicy, not an ActorCriticPolicy
    policy: MaskableActorCriticPolicy  # type: ignore[assignment]
    rollout_buffer: MaskableReinforceRolloutBuffer
    rollout_buffer_class: type[MaskableReinforceRolloutBuffer] | None

    def __init__(
        self,
        policy: str | type[MaskableActorCriticPolicy],
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
        rollout_buffer_class: type[MaskableReinforceRolloutBuffer] | None = None,
        rollout_buffer_kwargs: dict[str, Any] | None = None,
        stats_window_size: int = 100,
        tensorboard_log: str | None = None,
        policy_kwargs: dict[str, Any] | None = None,
        verbose: int = 0,
        seed: int | None = None,
        device: th.device | str = "auto",
        _init_setup_model: bool = True,
    ):
        # Whether collection asks the env for masks; learn(use_masking=...) sets it for its rollouts
        self._use_masking = True
        super().__init__(
            policy,  # type: ignore[arg-type]  # a maskable policy class, not an ActorCriticPolicy one (see above)
            env,
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
            chunk_size=chunk_size,
            # sb3-contrib's maskable policies have no gSDE
            use_sde=False,
            sde_sample_freq=-1,
            rollout_buffer_class=rollout_buffer_class,
            rollout_buffer_kwargs=rollout_buffer_kwargs,
            stats_window_size=stats_window_size,
            tensorboard_log=tensorboard_log,
            policy_kwargs=policy_kwargs,
            verbose=verbose,
            seed=seed,
            device=device,
            _init_setup_model=_init_setup_model,
        )

    def _check_action_space(self, action_space: spaces.Space) -> None:
        """
        Refuse an action space that cannot be masked, pointing to ``REINFORCE`` where it takes the space (Box).

        :param action_space: The env's action space
        :raises ValueError: If the space is not Discrete, MultiDiscrete or MultiBinary
        """
        if not isinstance(action_space, self.supported_action_spaces) and isinstance(
            action_space, REINFORCE.supported_action_spaces
        ):
            raise ValueError(
                f"MaskableREINFORCE cannot mask the env's action space {action_space} ({type(action_space).__name__}): "
                "action masks apply to Discrete, MultiDiscrete and MultiBinary action spaces. Use REINFORCE for "
                f"this env: it takes {type(action_space).__name__} actions."
            )
        super()._check_action_space(action_space)

    def _check_policy_class(self) -> None:
        """
        Refuse a policy that is not one of sb3-contrib's maskable policies.

        :raises ValueError: If the policy is not a ``MaskableActorCriticPolicy``
        """
        if not (isinstance(self.policy_class, type) and issubclass(self.policy_class, MaskableActorCriticPolicy)):
            raise ValueError(
                "MaskableREINFORCE needs a policy that subclasses sb3-contrib's MaskableActorCriticPolicy "
                f"('MlpPolicy', 'CnnPolicy', 'MultiInputPolicy'), got {self.policy_class!r}"
            )

    def _setup_model(self) -> None:
        # As MaskablePPO: SB3's OnPolicyAlgorithm._setup_model passes use_sde, which maskable policies do not take
        self._check_policy_class()
        mask_dims(self.action_space)  # only the action spaces sb3-contrib can mask
        self._setup_lr_schedule()
        self.set_random_seed(self.seed)

        self._setup_rollout_buffer_class()
        assert self.rollout_buffer_class is not None  # for mypy: _setup_rollout_buffer_class sets it
        self.rollout_buffer = self.rollout_buffer_class(
            self.n_steps,
            self.observation_space,
            self.action_space,
            device=self.device,
            gamma=self.gamma,
            gae_lambda=self.gae_lambda,
            n_envs=self.n_envs,
            **self.rollout_buffer_kwargs,
        )
        policy_class = cast(type[MaskableActorCriticPolicy], self.policy_class)  # checked by _check_policy_class
        self.policy = policy_class(self.observation_space, self.action_space, self.lr_schedule, **self.policy_kwargs)
        self.policy = self.policy.to(self.device)
        self._setup_baseline()

    # Ignored for mypy ([override]): the buffer must be the maskable one (as MaskablePPO's collect_rollouts)
    def collect_rollouts(  # type: ignore[override]
        self,
        env: VecEnv,
        callback: BaseCallback,
        rollout_buffer: MaskableReinforceRolloutBuffer,
        n_rollout_steps: int,
        use_masking: bool | None = None,
    ) -> bool:
        """
        ``REINFORCE.collect_rollouts``, sampling each step from the masked policy and storing the masks.

        :param env: The training environment
        :param callback: Callback that will be called at each step
            (and at the beginning and end of the rollout)
        :param rollout_buffer: Buffer to fill with rollouts
        :param n_rollout_steps: Number of steps per env during which new episodes join the rollout
        :param use_masking: Whether to use the env's invalid-action masks; None: as ``learn`` was told (default True)
        :return: True if the rollout was collected, False if the callback stopped it
        """
        if use_masking is not None:
            self._use_masking = use_masking
        if self._use_masking and not is_masking_supported(env):
            raise ValueError(NO_MASKS_ERROR)
        return super().collect_rollouts(env, callback, rollout_buffer, n_rollout_steps)

    def _sample_actions(self, env: VecEnv, obs_tensor: PyTorchObs) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """
        Sample the actions of one step from the masked policy, the masks coming from the env's ``action_masks()``.

        :param env: The training environment, before the step
        :param obs_tensor: Its current observations, as tensors
        :return: The actions, and the masks to store with them (None without masking: all actions valid)
        """
        action_masks = get_action_masks(env) if self._use_masking else None
        # sample_actions takes sb3-contrib's maskable policies too, though its hint names SB3's ActorCriticPolicy
        actions = sample_actions(self.policy, obs_tensor, action_masks).cpu().numpy()  # type: ignore[arg-type]
        # None masks (no masking) are stored as all-valid by the buffer's add, which takes None
        return actions, {"action_masks": action_masks}  # type: ignore[dict-item]

    # Ignored for mypy ([override]): the samples of the maskable buffer, which hold the masks
    def _distribution_kwargs(self, rollout_data: MaskableReinforceRolloutBufferSamples) -> dict[str, Any]:  # type: ignore[override]
        """
        The loss evaluates log pi(a_t|s_t) and the entropy under the masks a_t was sampled with.

        :param rollout_data: The trainable steps of a rollout, with their masks
        :return: ``action_masks`` for the maskable policy's ``evaluate_actions`` and ``get_distribution``
        """
        return {"action_masks": rollout_data.action_masks}

    def predict(
        self,
        observation: np.ndarray | dict[str, np.ndarray],
        state: tuple[np.ndarray, ...] | None = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = False,
        action_masks: np.ndarray | None = None,
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...] | None]:
        """
        Get the policy action from an observation, among the valid actions when masks are given.

        :param observation: the input observation
        :param state: The last hidden states (unused: the policies are not recurrent)
        :param episode_start: The last masks (unused: the policies are not recurrent)
        :param deterministic: Whether or not to return deterministic actions (the most likely valid action)
        :param action_masks: Invalid-action masks for the observation(s) (True: valid), as ``get_action_masks(env)``
            returns them; None: no masking
        :return: the model's action and the next hidden state (None)
        """
        return self.policy.predict(observation, state, episode_start, deterministic, action_masks=action_masks)

    # Ignored for mypy ([override]): use_masking comes before progress_bar, as in MaskablePPO.learn
    def learn(  # type: ignore[override]
        self: SelfMaskableREINFORCE,
        total_timesteps: int,
        callback: MaybeCallback = None,
        log_interval: int = 10,
        tb_log_name: str = "MaskableREINFORCE",
        reset_num_timesteps: bool = True,
        use_masking: bool = True,
        progress_bar: bool = False,
    ) -> SelfMaskableREINFORCE:
        """
        Train as ``REINFORCE.learn`` does, with invalid-action masking unless ``use_masking=False``.

        :param total_timesteps: The total number of samples (env steps) to train on
        :param callback: callback(s) called at every step with state of the algorithm
        :param log_interval: The number of rollouts before logging
        :param tb_log_name: the name of the run for TensorBoard logging
        :param reset_num_timesteps: whether or not to reset the current timestep number (used in logging)
        :param use_masking: Whether to use the env's invalid-action masks (the env must provide them);
            False trains as if there were none
        :param progress_bar: Display a progress bar using tqdm and rich.
        :return: the trained model
        """
        self._use_masking = use_masking
        if use_masking and self.env is not None and not is_masking_supported(self.env):
            raise ValueError(NO_MASKS_ERROR)
        return super().learn(
            total_timesteps=total_timesteps,
            callback=callback,
            log_interval=log_interval,
            tb_log_name=tb_log_name,
            reset_num_timesteps=reset_num_timesteps,
            progress_bar=progress_bar,
        )
