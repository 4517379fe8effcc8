"""
Unrolling an LSTM through whole episodes, all of a batch at once.

A batch here holds whole episodes, each stored contiguously and in order (``RecurrentReinforceRolloutBuffer``), so
that ``episode_steps`` (t, the step's index in its episode) says where each starts (t = 0). Every episode starts
from the LSTM's zero state, as it did during collection (the state is reset at each episode start). The episodes
are zero-padded at their end to a common length and put through the LSTM in one call: an LSTM is causal, so the
padding after an episode's last step changes none of its outputs, which are then gathered back, one per step.
"""

import torch as th
from sb3_contrib.common.recurrent.policies import RecurrentActorCriticPolicy
from torch import nn

NOT_AN_EPISODE_START = "A batch of whole episodes must start with an episode's first step (episode_steps == 0)"


def episode_bounds(episode_steps: th.Tensor) -> list[tuple[int, int]]:
    """
    (start, end) of each episode of a batch of whole episodes stored contiguously.

    :param episode_steps: t of each step, shape (batch,); t = 0 starts an episode, and the first step must be one
    :return: The episodes' [start, end) index ranges, in order
    """
    if len(episode_steps) and episode_steps[0] != 0:
        raise ValueError(NOT_AN_EPISODE_START)
    starts = th.nonzero(episode_steps == 0).flatten().tolist()
    return list(zip(starts, [*starts[1:], len(episode_steps)], strict=True))


def unroll(policy: RecurrentActorCriticPolicy, lstm: nn.LSTM, features: th.Tensor, episode_steps: th.Tensor) -> th.Tensor:
    """
    The LSTM's output at every step of a batch of whole episodes, each unrolled from the zero state through all
    its steps (backpropagation through the whole episode), in one call of the policy's ``_process_sequence``:

        (h_t, c_t) = LSTM(x_t, (h_{t-1}, c_{t-1})),   (h_{-1}, c_{-1}) = 0,   for t = 0 .. T_ep - 1

    :param policy: The recurrent policy (its ``_process_sequence`` runs the LSTM)
    :param lstm: The LSTM to unroll (the actor's, or the critic's)
    :param features: The features extractor's output for each step, shape (batch, features_dim)
    :param episode_steps: t of each step, shape (batch,) (see ``episode_bounds``)
    :return: h_t for each step, shape (batch, lstm hidden size)
    """
    episode_steps = episode_steps.long()
    if len(episode_steps) == 0 or episode_steps[0] != 0:
        raise ValueError(NOT_AN_EPISODE_START)
    episode_ids = th.cumsum(episode_steps == 0, dim=0) - 1
    n_episodes, max_length = int(episode_ids[-1]) + 1, int(episode_steps.max()) + 1
    padded = features.new_zeros((n_episodes, max_length, features.shape[-1]))
    padded[episode_ids, episode_steps] = features
    zero_state = features.new_zeros((lstm.num_layers, n_episodes, lstm.hidden_size))
    # No episode start inside the padded sequences: _process_sequence makes a single LSTM call over them
    no_starts = features.new_zeros((n_episodes * max_length,))
    output, _ = policy._process_sequence(
        padded.reshape(n_episodes * max_length, -1), (zero_state, zero_state.clone()), no_starts, lstm
    )
    return output.reshape(n_episodes, max_length, -1)[episode_ids, episode_steps]


def episode_chunks(episode_steps: th.Tensor, max_padded_steps: int) -> list[slice]:
    """
    Consecutive slices of a batch of whole episodes, each made of whole episodes whose padded size (episodes times
    the longest one's length) is at most ``max_padded_steps``; an episode longer than that is a chunk alone.

    :param episode_steps: t of each step, shape (batch,)
    :param max_padded_steps: The bound on a chunk's padded size
    :return: The chunks
    """
    chunks: list[slice] = []
    chunk_start, n_episodes, longest = 0, 0, 0
    for start, end in episode_bounds(episode_steps):
        length = end - start
        if n_episodes and (n_episodes + 1) * max(longest, length) > max_padded_steps:
            chunks.append(slice(chunk_start, start))
            chunk_start, n_episodes, longest = start, 0, 0
        n_episodes, longest = n_episodes + 1, max(longest, length)
    if len(episode_steps):
        chunks.append(slice(chunk_start, len(episode_steps)))
    return chunks
