"""The value baseline of a recurrent policy: its critic unrolled through whole episodes."""

from collections.abc import Callable

import numpy as np
import torch as th
from sb3_contrib.common.recurrent.policies import RecurrentActorCriticPolicy
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.type_aliases import PyTorchObs

from sb3_reinforce.baselines import ValueBaseline
from sb3_reinforce.buffers import index_rows
from sb3_reinforce.reinforce_recurrent.sequences import (
    Rows,
    compose_rows,
    episode_bounds,
    padded_size,
    unroll_in_segments,
)


class RecurrentValueBaseline(ValueBaseline):
    """
    ``ValueBaseline`` for sb3-contrib's recurrent policies: b(s_t) = V_phi(o_0, ..., o_t), the critic unrolled
    through each whole episode from the zero state, as the policy's flags make it:

    - ``enable_critic_lstm`` (the default): the critic's own LSTM, trained with the value head;
    - ``shared_lstm``: the actor's LSTM, detached (only the value MLP and head are fitted, as in RecurrentPPO);
    - neither: no memory, the policy's linear ``critic`` layer on the features.

    It is regressed on the Monte Carlo returns as ``ValueBaseline`` is, by ``n_epochs`` passes over the batch, in
    minibatches of whole episodes (about ``batch_size`` steps each, an episode never split), after the batch's
    advantages were computed. A minibatch (or a chunk to predict) whose episodes, padded to the longest, hold more
    than ``chunk_size`` steps is unrolled in segments of at most ``chunk_size`` padded steps, with activation
    checkpointing when it is fitted (``sequences.unroll_in_segments``): the same values and gradients, with the
    memory of one segment whatever the episodes' lengths.

    :param policy: The recurrent policy whose value head is the baseline
    :param learning_rate: The critic's learning rate (> 0)
    :param n_epochs: Passes over each batch (>= 1)
    :param batch_size: Steps per minibatch (>= 1), whole episodes
    :param max_grad_norm: Clipping of the critic's gradient norm at each step (> 0, ``inf`` to disable)
    :param vf_coef: Weight of the regression loss: with Adam it matters only against ``max_grad_norm``
    :param chunk_size: The bound on the padded steps of one pass of the critic (>= 1; RecurrentREINFORCE passes its
        own), or None for none: every minibatch in one pass
    """

    def __init__(
        self,
        policy: ActorCriticPolicy,
        learning_rate: float,
        n_epochs: int,
        batch_size: int,
        max_grad_norm: float,
        vf_coef: float = 1.0,
        chunk_size: int | None = None,
    ):
        super().__init__(policy, learning_rate, n_epochs, batch_size, max_grad_norm, vf_coef)
        self.chunk_size = chunk_size

    @staticmethod
    def critic_parameters(policy: ActorCriticPolicy) -> list[th.nn.Parameter]:
        """
        The critic's own parameters: the value MLP and head, the critic's LSTM (or its linear layer without one),
        and the critic's features extractor when it is not shared.

        :param policy: The recurrent policy
        :return: The parameters the baseline's optimiser trains
        """
        assert isinstance(policy, RecurrentActorCriticPolicy)
        parameters = [*ValueBaseline.critic_parameters(policy)]
        if policy.lstm_critic is not None:
            parameters += list(policy.lstm_critic.parameters())
        elif policy.critic is not None:
            parameters += list(policy.critic.parameters())
        return parameters

    def values(self, policy: ActorCriticPolicy, observations: PyTorchObs, episode_steps: th.Tensor) -> th.Tensor:
        """
        V_phi of every step of a batch of whole episodes, differentiable with respect to the critic's own parameters.

        :param policy: The recurrent policy
        :param observations: Observations of whole episodes, each in order from its first step
        :param episode_steps: t of each step
        :return: V_phi, shape (batch,)
        """
        return self.minibatch_values(policy, observations, episode_steps, slice(0, len(episode_steps)))

    def minibatch_values(
        self, policy: ActorCriticPolicy, observations: PyTorchObs, episode_steps: th.Tensor, rows: slice | th.Tensor
    ) -> th.Tensor:
        """
        V_phi of the rows ``rows`` (whole episodes, each in order) of a batch, their observations read a segment at
        a time (``sequences.compose_rows``): a minibatch holding a long episode is never gathered whole.

        :param policy: The recurrent policy
        :param observations: Observations of the whole batch
        :param episode_steps: t of each step of the whole batch
        :param rows: The minibatch's rows, whole episodes
        :return: V_phi of those rows, shape (rows,)
        """
        assert isinstance(policy, RecurrentActorCriticPolicy)
        episode_steps = episode_steps[rows]
        n_steps = len(episode_steps)

        def extracted(segment_rows: Rows) -> th.Tensor:
            obs = index_rows(observations, compose_rows(rows, segment_rows, n_steps))
            if policy.share_features_extractor:
                with th.no_grad():  # the actor's features extractor is not the critic's to train
                    return super(ActorCriticPolicy, policy).extract_features(obs, policy.vf_features_extractor)
            return super(ActorCriticPolicy, policy).extract_features(obs, policy.vf_features_extractor)

        features: Callable[[Rows], th.Tensor] = extracted
        if policy.share_features_extractor and self.chunk_size is not None and padded_size(episode_steps) > self.chunk_size:
            # In segments, the features (which no critic parameter changes) are computed once, ``chunk_size`` rows
            # at a time, rather than again in each segment's recomputation
            block = self.chunk_size
            precomputed = th.cat([extracted(slice(start, start + block)) for start in range(0, n_steps, block)])
            features = precomputed.__getitem__

        def value(latent_vf: th.Tensor, segment_rows: Rows) -> tuple[th.Tensor]:
            return (policy.value_net(policy.mlp_extractor.forward_critic(latent_vf)).flatten(),)

        if policy.lstm_critic is not None:
            values = unroll_in_segments(policy, policy.lstm_critic, episode_steps, self.chunk_size, features, value)[0]
        elif policy.shared_lstm:
            # The actor's LSTM, detached: its output is computed without a graph, then the value head with one
            with th.no_grad():
                latent_vf = unroll_in_segments(
                    policy, policy.lstm_actor, episode_steps, self.chunk_size, features, lambda latent, segment_rows: (latent,)
                )[0]
            assert latent_vf is not None
            values = value(latent_vf, slice(None))[0]
        else:
            assert policy.critic is not None, "without a critic LSTM, sb3-contrib's policy has a linear critic layer"
            critic = policy.critic
            values = unroll_in_segments(
                policy,
                None,
                episode_steps,
                self.chunk_size,
                features,
                lambda latent, segment_rows: value(critic(latent), segment_rows),
            )[0]
        assert values is not None
        return values

    def minibatches(self, episode_steps: th.Tensor) -> list[th.Tensor]:
        """
        The rows of one pass of the regression: the episodes in a random order, grouped into minibatches of at least
        ``batch_size`` steps (the last one may be smaller), each episode whole and in order.

        :param episode_steps: t of each step of the batch
        :return: The rows of each minibatch
        """
        episodes = episode_bounds(episode_steps)
        minibatches, current, size = [], [], 0
        for episode in np.random.permutation(len(episodes)):
            start, end = episodes[episode]
            current.append(th.arange(start, end, device=episode_steps.device))
            size += end - start
            if size >= self.batch_size:
                minibatches.append(th.cat(current))
                current, size = [], 0
        if current:
            minibatches.append(th.cat(current))
        return minibatches
