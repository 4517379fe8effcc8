"""
Unrolling an LSTM through whole episodes, all of a batch at once, in bounded memory.

A batch here holds whole episodes, each stored contiguously and in order (``RecurrentReinforceRolloutBuffer``), so
that ``episode_steps`` (t, the step's index in its episode) says where each starts (t = 0). Every episode starts
from the LSTM's zero state, as it did during collection (the state is reset at each episode start). The episodes
are zero-padded at their end to a common length and put through the LSTM in one call: an LSTM is causal, so the
padding after an episode's last step changes none of its outputs, which are then gathered back, one per step.

When the padded batch is larger than a bound (an episode longer than ``chunk_size``), ``unroll_in_segments`` cuts
it in time into segments that each fit the bound, and carries the LSTM's state from one segment to the next.
With gradients enabled, each segment runs under activation checkpointing (``torch.utils.checkpoint``): the forward
pass keeps only the state at each segment's start, and the backward pass recomputes one segment at a time from it.
The state passed between segments is a checkpoint input, so gradients flow across segments: the gradient is the
one of the whole episode, exactly, with the memory of one segment.
"""

from collections.abc import Callable, Sequence

import torch as th
from sb3_contrib.common.recurrent.policies import RecurrentActorCriticPolicy
from torch import nn
from torch.utils.checkpoint import checkpoint

NOT_AN_EPISODE_START = "A batch of whole episodes must start with an episode's first step (episode_steps == 0)"

# The rows of a batch that a features or head function is given: a slice (the whole batch) or row indices
Rows = slice | th.Tensor
# Per-step outputs of a head function, each of shape (rows,), or None (an entropy without a closed form)
HeadOutputs = Sequence[th.Tensor | None]


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


def compose_rows(outer: Rows, inner: Rows, length: int) -> Rows:
    """
    The rows of a batch that ``inner`` selects among those ``outer`` selects, so that ``batch[outer][inner]`` can be
    read as ``batch[compose_rows(outer, inner, length)]`` without gathering ``batch[outer]`` first.

    :param outer: Rows of the batch: a slice (of step 1) or indices
    :param inner: Rows of ``batch[outer]``: a slice (of step 1) or indices
    :param length: The number of rows ``outer`` selects
    :return: Rows of the batch (a slice when both are slices)
    """
    if isinstance(outer, th.Tensor):
        return outer[inner]
    offset = outer.start or 0
    if isinstance(inner, th.Tensor):
        return inner + offset
    start, stop, _ = inner.indices(length)
    return slice(offset + start, offset + stop)


def padded_size(episode_steps: th.Tensor) -> int:
    """
    Steps of a batch of whole episodes once padded to its longest episode: episodes x longest length.

    :param episode_steps: t of each step, shape (batch,)
    :return: The padded size (0 for an empty batch)
    """
    if len(episode_steps) == 0:
        return 0
    return int((episode_steps == 0).sum()) * (int(episode_steps.max()) + 1)


def _lstm_on_padded(
    policy: RecurrentActorCriticPolicy,
    lstm: nn.LSTM,
    features: th.Tensor,
    episode_ids: th.Tensor,
    times: th.Tensor,
    shape: tuple[int, int],
    state: tuple[th.Tensor, th.Tensor],
) -> tuple[th.Tensor, tuple[th.Tensor, th.Tensor]]:
    """
    Zero-pad the steps into (episodes, time), put them through the LSTM in one call of the policy's
    ``_process_sequence`` from ``state``, and gather the output of each step back.

    :param policy: The recurrent policy
    :param lstm: The LSTM
    :param features: The features of each step, shape (steps, features_dim)
    :param episode_ids: The episode (row of the padded batch) of each step
    :param times: The time (column of the padded batch) of each step
    :param shape: (episodes, time steps) of the padded batch
    :param state: (hidden, cell) of each episode at the first column, shape (n_lstm_layers, episodes, hidden size)
    :return: h_t of each step, shape (steps, hidden size), and the state after the last column
    """
    n_episodes, length = shape
    padded = features.new_zeros((n_episodes, length, features.shape[-1]))
    padded[episode_ids, times] = features
    # No episode start inside the padded sequences: _process_sequence makes a single LSTM call over them
    no_starts = features.new_zeros((n_episodes * length,))
    output, new_state = policy._process_sequence(padded.reshape(n_episodes * length, -1), state, no_starts, lstm)
    # sb3-contrib annotates the second output as a tensor; it is the (hidden, cell) pair
    hidden, cell = new_state
    return output.reshape(n_episodes, length, -1)[episode_ids, times], (hidden, cell)


def _episode_ids(episode_steps: th.Tensor) -> th.Tensor:
    if len(episode_steps) == 0 or episode_steps[0] != 0:
        raise ValueError(NOT_AN_EPISODE_START)
    return th.cumsum(episode_steps == 0, dim=0) - 1


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
    episode_ids = _episode_ids(episode_steps)
    n_episodes, max_length = int(episode_ids[-1]) + 1, int(episode_steps.max()) + 1
    zero_state = features.new_zeros((lstm.num_layers, n_episodes, lstm.hidden_size))
    output, _ = _lstm_on_padded(
        policy, lstm, features, episode_ids, episode_steps, (n_episodes, max_length), (zero_state, zero_state.clone())
    )
    return output


def unroll_in_segments(
    policy: RecurrentActorCriticPolicy,
    lstm: nn.LSTM | None,
    episode_steps: th.Tensor,
    max_padded_steps: int | None,
    features_fn: Callable[[Rows], th.Tensor],
    head_fn: Callable[[th.Tensor, Rows], HeadOutputs],
) -> tuple[th.Tensor | None, ...]:
    """
    Per-step outputs of a recurrent network over a batch of whole episodes: features, then the LSTM unrolled from
    the zero state through each episode, then a head, with the memory of at most ``max_padded_steps`` padded steps.

    If the padded batch fits (``padded_size`` at most ``max_padded_steps``, or no bound), this is one pass:
    ``head_fn(unroll(features_fn(all rows)), all rows)``. Otherwise the padded batch is cut in time into segments
    [s, s + S), S = max(1, max_padded_steps // episodes), and segment k computes, for the steps of every episode
    that fall in it,

        x_t = features_fn(rows_k),   (h_t, c_t) = LSTM(x_t, (h_{t-1}, c_{t-1})) from the state (h_{s-1}, c_{s-1})
        that segment k - 1 ended with (0 for the first),   outputs_t = head_fn(h_t, rows_k)

    With gradients enabled each segment is a checkpoint (``torch.utils.checkpoint``, non-reentrant) whose inputs
    are (h_{s-1}, c_{s-1}): only those states are kept between the forward and the backward pass, each segment is
    recomputed from its state during the backward pass, and the gradient of the state flows into the segment
    before, so the result (and its gradient) is that of the whole-episode unroll, up to float rounding. The
    features are computed inside their segment: the features extractor's activations are one segment's too.

    :param policy: The recurrent policy (its ``_process_sequence`` runs the LSTM)
    :param lstm: The LSTM to unroll, or None for a network without memory (the head takes the features)
    :param episode_steps: t of each step, shape (batch,) (see ``episode_bounds``)
    :param max_padded_steps: The bound on the padded steps of one pass (>= 1), or None for no bound
    :param features_fn: The features of the given rows, shape (rows, features_dim)
    :param head_fn: The outputs of the given rows from their LSTM output (their features without an LSTM),
        each of shape (rows,) or None
    :return: The head's outputs for every step of the batch, in the batch's order
    """
    episode_steps = episode_steps.long()
    if max_padded_steps is None or padded_size(episode_steps) <= max_padded_steps:
        everything = slice(0, len(episode_steps))
        features = features_fn(everything)
        latent = features if lstm is None else unroll(policy, lstm, features, episode_steps)
        return tuple(head_fn(latent, everything))

    episode_ids = _episode_ids(episode_steps)
    n_episodes, max_length = int(episode_ids[-1]) + 1, int(episode_steps.max()) + 1
    segment_length = max(1, max_padded_steps // n_episodes)
    state: tuple[th.Tensor, ...] = ()
    if lstm is not None:
        zero_state = th.zeros((lstm.num_layers, n_episodes, lstm.hidden_size), device=episode_steps.device)
        state = (zero_state, zero_state.clone())
    segment_rows: list[th.Tensor] = []
    segment_outputs: list[tuple] = []
    for start in range(0, max_length, segment_length):
        rows = th.nonzero((episode_steps >= start) & (episode_steps < start + segment_length)).flatten()
        length = min(segment_length, max_length - start)

        def segment(*state_in: th.Tensor, rows: th.Tensor = rows, start: int = start, length: int = length) -> tuple:
            features = features_fn(rows)
            if lstm is None:
                return (*head_fn(features, rows),)
            latent, state_out = _lstm_on_padded(
                policy,
                lstm,
                features,
                episode_ids[rows],
                episode_steps[rows] - start,
                (n_episodes, length),
                (state_in[0], state_in[1]),
            )
            return (*head_fn(latent, rows), *state_out)

        # The state is a checkpoint input: it stays in the graph, and its gradient flows to the segment before
        outputs = checkpoint(segment, *state, use_reentrant=False) if th.is_grad_enabled() else segment(*state)
        n_outputs = len(outputs) - len(state)
        segment_outputs.append(outputs[:n_outputs])
        state = tuple(outputs[n_outputs:])
        segment_rows.append(rows)
    # The segments hold the rows in time order: put them back in the batch's order
    order = th.argsort(th.cat(segment_rows))
    return tuple(None if parts[0] is None else th.cat(parts)[order] for parts in zip(*segment_outputs, strict=True))


def episode_chunks(episode_steps: th.Tensor, max_padded_steps: int) -> list[slice]:
    """
    Consecutive slices of a batch of whole episodes, each made of whole episodes whose padded size (episodes times
    the longest one's length) is at most ``max_padded_steps``; an episode longer than that is a chunk alone (which
    ``unroll_in_segments`` then unrolls in segments of ``max_padded_steps`` steps).

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
