from typing import Any, ClassVar, TypeVar, cast

import numpy as np
import torch as th
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from sb3_contrib.common.recurrent.policies import RecurrentActorCriticPolicy
from stable_baselines3.common.policies import ActorCriticPolicy, BasePolicy
from stable_baselines3.common.type_aliases import GymEnv, MaybeCallback, PyTorchObs, Schedule
from stable_baselines3.common.vec_env import VecEnv

from sb3_reinforce.baselines import ValueBaseline
from sb3_reinforce.buffers import ReinforceRolloutBuffer, ReinforceRolloutBufferSamples, index_rows
from sb3_reinforce.reinforce import REINFORCE
from sb3_reinforce.reinforce_recurrent.baselines import RecurrentValueBaseline
from sb3_reinforce.reinforce_recurrent.buffers import RecurrentReinforceDictRolloutBuffer, RecurrentReinforceRolloutBuffer
from sb3_reinforce.reinforce_recurrent.policies import CnnLstmPolicy, MlpLstmPolicy, MultiInputLstmPolicy
from sb3_reinforce.reinforce_recurrent.sequences import Rows, episode_chunks, unroll_in_segments
from sb3_reinforce.sampling import FAST_DISTRIBUTIONS, has_sb3_sampling_path, sample_from_latent

SelfRecurrentREINFORCE = TypeVar("SelfRecurrentREINFORCE", bound="RecurrentREINFORCE")


def check_recurrent_hyperparameters(*, bootstrap_truncated: bool) -> None:
    """
    Check the hyperparameters that RecurrentREINFORCE refuses beyond REINFORCE's own check
    (``sb3_reinforce.reinforce.check_hyperparameters``), as its constructor does before building anything; the RL Zoo
    CLI runs the same check on a config entry (``sb3_reinforce.zoo.config.check_hyperparams``).

    :param bootstrap_truncated: Must be False (see ``RecurrentREINFORCE``)
    :raises ValueError: If a value is refused, naming the parameter and what is accepted
    """
    if bootstrap_truncated:
        raise ValueError(
            "RecurrentREINFORCE does not support bootstrap_truncated=True: it needs the critic's LSTM state at the "
            "terminal observation, which collection does not compute (only the actor runs). Leave it False: the "
            "returns are then Monte Carlo returns, unbiased"
        )


class RecurrentREINFORCE(REINFORCE):
    """
    REINFORCE (Monte Carlo policy gradient) with recurrent (LSTM) policies, for partially observed envs: sb3-contrib's
    ``RecurrentActorCriticPolicy`` family, with ``RecurrentPPO``'s user contract (``predict(obs, state=...,
    episode_start=...)`` returns the actions and the next LSTM states; SB3's ``evaluate_policy`` passes them).

    Paper: https://doi.org/10.1007/BF00992696 (REINFORCE)

    Every episode that REINFORCE trains on starts inside the rollout and runs to its end, so it starts from the
    LSTM's zero state and can be backpropagated through whole. The update unrolls the actor's LSTM through each
    trained episode from the zero state (a chunk's episodes padded and put through in one call; an episode longer
    than ``chunk_size`` in checkpointed segments, the state carried across), so that

        grad_theta log pi_theta(a_t | o_0, ..., o_t)

    is the exact gradient through every earlier step of the episode: no stored states (which go stale after an
    update), and no cut at the rollout's end (RecurrentPPO backpropagates only inside each rollout's window). During
    collection the actor alone runs, one step at a time, its state carried from step to step and reset at each
    episode start. Everything else (whole-episode rollouts, Monte Carlo returns, baselines, normalisation,
    options, logging) is ``REINFORCE``'s.

    :param policy: The policy model to use (MlpLstmPolicy, CnnLstmPolicy, MultiInputLstmPolicy), or a subclass of
        sb3-contrib's ``RecurrentActorCriticPolicy`` that does not override ``get_distribution`` (its parts are what
        the update unrolls: ``_process_sequence``, ``mlp_extractor``, ``_get_action_dist_from_latent``)
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
        progress remaining (from 1 to 0), as ``learning_rate`` can
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
    :param bootstrap_truncated: Not supported (must be False): bootstrapping a truncated episode needs the critic's
        LSTM state at the terminal observation, which collection does not compute (the critic does not run then)
    :param max_rollout_steps: Maximum number of steps per env in one rollout (>= n_steps). A rollout waits for
        every joined episode to end, so an env that never ends raises an error once it is reached;
        the fix is a time limit (``gymnasium.wrappers.TimeLimit`` or ``max_episode_steps``)
    :param reset_between_rollouts: Whether to reset the envs after each rollout, abandoning the episodes that
        could not join it
    :param chunk_size: Padded steps per forward and backward pass of the update (an integer >= 1, or None). The
        update is one gradient step on the whole rollout, computed in chunks of whole episodes whose gradients add
        up to it (gradient accumulation): a chunk's episodes, padded to its longest, hold at most ``chunk_size``
        steps, and go through the LSTM in one call. An episode longer than ``chunk_size`` is a chunk of its own,
        unrolled in segments of ``chunk_size`` steps with activation checkpointing (each segment recomputed from
        the LSTM state at its start during the backward pass, the state's gradient flowing across segments): the
        same exact whole-episode gradient, for about one more forward pass of that episode. So one pass holds the
        features extractor's and the LSTM's activations of at most ``chunk_size`` steps, whatever the episodes'
        lengths; what grows with the rollout is the batch of its observations (uint8 frames stay uint8), a few
        numbers per step (log-probabilities, weights) and the LSTM state at each segment's start. The value
        baseline's critic is bounded by the same ``chunk_size``. None: sized from the observation space, at most
        2^24 observation values and 65,536 steps per chunk (594 steps of 84x84x4 frames; one chunk for any rollout
        of small vector observations)
    :param use_sde: Whether to use generalized State Dependent Exploration (gSDE)
        instead of action noise exploration (default: False)
    :param sde_sample_freq: Sample a new noise matrix every n steps when using gSDE
        Default: -1 (only sample at the beginning of the rollout)
    :param rollout_buffer_class: Rollout buffer class to use, a subclass of ``RecurrentReinforceRolloutBuffer`` (whose
        ``get`` keeps each episode's steps in order). If ``None``, it will be automatically selected
        (``RecurrentReinforceRolloutBuffer``, or ``RecurrentReinforceDictRolloutBuffer`` for Dict observation spaces)
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
        "MlpLstmPolicy": MlpLstmPolicy,
        "CnnLstmPolicy": CnnLstmPolicy,
        "MultiInputLstmPolicy": MultiInputLstmPolicy,
    }
    policy: RecurrentActorCriticPolicy
    default_rollout_buffer_classes: ClassVar[tuple[type[ReinforceRolloutBuffer], type[ReinforceRolloutBuffer]]] = (
        RecurrentReinforceRolloutBuffer,
        RecurrentReinforceDictRolloutBuffer,
    )
    value_baseline_class: ClassVar[type[ValueBaseline]] = RecurrentValueBaseline

    def __init__(
        self,
        policy: str | type[RecurrentActorCriticPolicy],
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
        rollout_buffer_class: type[RecurrentReinforceRolloutBuffer] | None = None,
        rollout_buffer_kwargs: dict[str, Any] | None = None,
        stats_window_size: int = 100,
        tensorboard_log: str | None = None,
        policy_kwargs: dict[str, Any] | None = None,
        verbose: int = 0,
        seed: int | None = None,
        device: th.device | str = "auto",
        _init_setup_model: bool = True,
    ):
        check_recurrent_hyperparameters(bootstrap_truncated=bootstrap_truncated)
        # The actor's LSTM state (hidden, cell) of every env during collection; built in _setup_model
        self._last_lstm_states: tuple[th.Tensor, th.Tensor] | None = None
        super().__init__(
            policy,
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
            use_sde=use_sde,
            sde_sample_freq=sde_sample_freq,
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

    def _check_policy_class(self) -> None:
        """
        Refuse a policy that is not one of sb3-contrib's recurrent policies, a maskable policy, and a recurrent one
        whose ``get_distribution`` is its own (the update could not unroll it).

        :raises ValueError: If the policy cannot be trained here
        """
        policy_class = self.policy_class
        if isinstance(policy_class, type) and issubclass(policy_class, MaskableActorCriticPolicy):
            raise ValueError(
                "RecurrentREINFORCE does not support invalid-action masking: sb3-contrib has no maskable recurrent "
                f"policy (got {policy_class!r}). Use MaskableREINFORCE with a feedforward policy, or a recurrent policy "
                "without masks"
            )
        if not (isinstance(policy_class, type) and issubclass(policy_class, RecurrentActorCriticPolicy)):
            raise ValueError(
                "RecurrentREINFORCE needs a policy that subclasses sb3-contrib's RecurrentActorCriticPolicy "
                f"('MlpLstmPolicy', 'CnnLstmPolicy', 'MultiInputLstmPolicy'), got {policy_class!r}; for feedforward "
                "policies use REINFORCE"
            )
        if policy_class.get_distribution is not RecurrentActorCriticPolicy.get_distribution:
            raise ValueError(
                f"{policy_class.__name__} overrides get_distribution, which RecurrentREINFORCE's update cannot unroll "
                "through whole episodes: it unrolls get_distribution's parts (_process_sequence, mlp_extractor, "
                "_get_action_dist_from_latent). Override one of those instead"
            )

    def _setup_model(self) -> None:
        super()._setup_model()
        self._last_lstm_states = None

    def _excluded_save_params(self) -> list[str]:
        # The collection's LSTM states belong to the episodes running in the envs, not to the model
        return [*super()._excluded_save_params(), "_last_lstm_states"]

    def _lstm_states(self, n_envs: int) -> tuple[th.Tensor, th.Tensor]:
        """
        The actor's LSTM states carried through collection, zeros when there are none yet (or the number of envs
        changed): shape (n_lstm_layers, n_envs, lstm_hidden_size) each.

        :param n_envs: Number of envs
        :return: (hidden, cell)
        """
        lstm = self.policy.lstm_actor
        if self._last_lstm_states is None or self._last_lstm_states[0].shape[1] != n_envs:
            zeros = th.zeros((lstm.num_layers, n_envs, lstm.hidden_size), device=self.device)
            self._last_lstm_states = (zeros, zeros.clone())
        return self._last_lstm_states

    def _sample_actions(self, env: VecEnv, obs_tensor: PyTorchObs) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """
        Sample the actions of one step from the actor, its LSTM state carried from the previous step and reset to 0
        where an episode starts (as the policy's ``get_distribution`` does). The critic does not run.

        :param env: The training environment, before the step
        :param obs_tensor: Its current observations, as tensors
        :return: The actions, and no per-step data: the update recomputes every state from the episode's start
        """
        policy = self.policy
        assert self._last_episode_starts is not None
        episode_starts = th.as_tensor(self._last_episode_starts, dtype=th.float32, device=self.device)
        states = self._lstm_states(env.num_envs)
        fast = has_sb3_sampling_path(type(policy), type(policy.mlp_extractor), bases=(RecurrentActorCriticPolicy,))
        if type(policy.action_dist) in FAST_DISTRIBUTIONS and fast:
            # get_distribution's steps, then the draw from the latent without torch.distributions objects
            features = super(ActorCriticPolicy, policy).extract_features(obs_tensor, policy.pi_features_extractor)
            latent_pi, new_states = policy._process_sequence(features, states, episode_starts, policy.lstm_actor)
            # sb3-contrib annotates the second output as a tensor; it is the (hidden, cell) pair
            self._last_lstm_states = cast(tuple[th.Tensor, th.Tensor], new_states)
            actions = sample_from_latent(policy, policy.mlp_extractor.forward_actor(latent_pi))
        else:
            # sb3-contrib annotates obs as a tensor; its Dict policies take a dict of them
            distribution, lstm_states = policy.get_distribution(cast(th.Tensor, obs_tensor), states, episode_starts)
            self._last_lstm_states = (lstm_states[0], lstm_states[1])
            actions = distribution.get_actions()
        return actions.cpu().numpy(), {}

    def _chunks(self, rollout_data: ReinforceRolloutBufferSamples) -> list[slice]:
        """
        Chunks of whole episodes (``sequences.episode_chunks``): each chunk's episodes, padded to its longest, hold at
        most ``_chunk_size()`` steps; an episode longer than that is a chunk of its own, which
        ``_log_prob_and_entropy`` unrolls in segments of ``_chunk_size()`` steps, so that one pass holds the
        activations of at most ``_chunk_size()`` padded steps whatever the episodes' lengths.

        :param rollout_data: The trainable steps of a rollout, each episode whole and in order
        :return: Consecutive slices, each starting at an episode's first step
        """
        return episode_chunks(rollout_data.episode_steps, self._chunk_size())

    def _log_prob_and_entropy(
        self, rollout_data: ReinforceRolloutBufferSamples, actions: th.Tensor
    ) -> tuple[th.Tensor, th.Tensor | None]:
        """
        log pi_theta(a_t | o_0..o_t) and the entropy of every step of a chunk of whole episodes: the actor's LSTM
        unrolled through each episode from the zero state, as ``get_distribution`` computes it step by step during
        collection, and differentiable through every step.

        A chunk whose episodes, padded, fit in ``_chunk_size()`` steps goes through the features extractor and the
        LSTM in one call (``sequences.unroll``). A longer episode is unrolled in segments of ``_chunk_size()``
        steps with activation checkpointing (``sequences.unroll_in_segments``): the LSTM's state is carried from
        segment to segment and kept in the graph, each segment's features and LSTM steps are recomputed from the
        state at its start during the backward pass, and the gradient is still the exact gradient through every
        earlier step of the episode.

        :param rollout_data: Whole episodes, each in order from its first step
        :param actions: Their actions
        :return: The log-probabilities and the entropies, shape (batch,)
        """
        policy = self.policy
        observations = rollout_data.observations

        def features(rows: Rows) -> th.Tensor:
            obs = index_rows(observations, rows)
            return super(ActorCriticPolicy, policy).extract_features(obs, policy.pi_features_extractor)

        def log_prob_and_entropy(latent_pi: th.Tensor, rows: Rows) -> tuple[th.Tensor, th.Tensor | None]:
            distribution = policy._get_action_dist_from_latent(policy.mlp_extractor.forward_actor(latent_pi))
            return distribution.log_prob(actions[rows]), distribution.entropy()

        log_prob, entropy = unroll_in_segments(
            policy, policy.lstm_actor, rollout_data.episode_steps, self._chunk_size(), features, log_prob_and_entropy
        )
        assert log_prob is not None
        return log_prob, entropy

    def _value_baseline_kwargs(self) -> dict[str, Any]:
        """
        ``REINFORCE``'s, and ``chunk_size``: the bound on the padded steps of one pass of the critic's LSTM
        (``RecurrentValueBaseline``), the update's own.

        :return: The keyword arguments
        """
        return {**super()._value_baseline_kwargs(), "chunk_size": self._chunk_size()}

    def learn(
        self: SelfRecurrentREINFORCE,
        total_timesteps: int,
        callback: MaybeCallback = None,
        log_interval: int = 10,
        tb_log_name: str = "RecurrentREINFORCE",
        reset_num_timesteps: bool = True,
        progress_bar: bool = False,
    ) -> SelfRecurrentREINFORCE:
        return super().learn(
            total_timesteps=total_timesteps,
            callback=callback,
            log_interval=log_interval,
            tb_log_name=tb_log_name,
            reset_num_timesteps=reset_num_timesteps,
            progress_bar=progress_bar,
        )
