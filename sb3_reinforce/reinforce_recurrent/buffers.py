"""REINFORCE's whole-episode rollout buffers, yielding each episode's steps in order, as recurrent policies need them."""

from collections.abc import Generator

import numpy as np
import torch as th
from stable_baselines3.common.type_aliases import TensorDict

from sb3_reinforce.buffers import ReinforceDictRolloutBuffer, ReinforceRolloutBuffer, ReinforceRolloutBufferSamples

# Rows moved at a time when the trainable rows are packed (an overlapping block is copied through a temporary)
COMPACTION_BLOCK = 256
# Observation arrays up to this size are transposed through a temporary copy; larger ones row by row, in place
TRANSPOSE_COPY_BYTES = 2**24


def transpose_rows(rows: np.ndarray, n_steps: int, n_envs: int) -> None:
    """
    Reorder, in place, the rows of a time-major array (row t * n_envs + e holds step t of env e) to env-major order
    (row e * n_steps + t), as ``rows.reshape(n_steps, n_envs, -1).swapaxes(0, 1)`` would lay them out.

    Small arrays go through a temporary copy. Larger ones follow the permutation's cycles with one row of
    temporary memory: with N = n_steps * n_envs, row j of the result is row (j * n_envs) mod (N - 1) of the input
    (rows 0 and N - 1 stay), so each cycle is walked once, every row copied once.

    :param rows: The rows, shape (n_steps * n_envs, ...), C-contiguous
    :param n_steps: Steps per env
    :param n_envs: Number of envs
    """
    n_rows = n_steps * n_envs
    if n_envs == 1 or n_steps == 1:
        return
    if rows.nbytes <= TRANSPOSE_COPY_BYTES:
        rows[:] = rows.reshape(n_steps, n_envs, *rows.shape[1:]).swapaxes(0, 1).reshape(rows.shape)
        return
    done = np.zeros(n_rows, dtype=bool)
    for start in range(1, n_rows - 1):
        if done[start]:
            continue
        first_row = rows[start].copy()
        position = start
        while True:
            done[position] = True
            source = position * n_envs % (n_rows - 1)
            if source == start:
                rows[position] = first_row
                break
            rows[position] = rows[source]
            position = source


def pack_rows(rows: np.ndarray, indices: np.ndarray) -> None:
    """
    Move rows ``indices`` (increasing) to rows 0, 1, ..., len(indices) - 1, in place. Rows only move towards the
    start (indices[k] >= k, and both increase together), so moving them in order, a block at a time, never
    overwrites a row not yet moved.

    :param rows: The array, shape (n_rows, ...)
    :param indices: The rows to keep, increasing
    """
    # Runs of consecutive rows, each moved as a range: ranks [start, end), from row indices[start]
    run_starts = np.flatnonzero(np.diff(indices, prepend=-2) != 1).tolist()
    run_ends = [*run_starts[1:], len(indices)] if run_starts else []
    for start, end in zip(run_starts, run_ends, strict=True):
        source = int(indices[start])
        if source == start:
            continue
        for offset in range(0, end - start, COMPACTION_BLOCK):
            size = min(COMPACTION_BLOCK, end - start - offset)
            # numpy copies through a temporary where the two ranges overlap
            rows[start + offset : start + offset + size] = rows[source + offset : source + offset + size]


class RecurrentReinforceRolloutBuffer(ReinforceRolloutBuffer):
    """
    ``ReinforceRolloutBuffer`` whose ``get`` keeps the trainable steps in order, env by env: every trained episode
    starts inside the rollout and runs to its end, so its steps come out contiguous, from its first (t = 0) to its
    last, ready to be unrolled through an LSTM from the zero state. No LSTM state is stored: none is needed.

    The first ``get`` after a rollout reorders the stored observations in place, as SB3's ``RolloutBuffer.get``
    flattens its arrays in place once: from time-major to env-major order (``transpose_rows``), then the trainable
    steps' ones packed at the start (``pack_rows``). The batch's observations are then a view of the buffer rather
    than a copy, so that the update holds no second copy of the rollout's frames, and no memory beyond what
    collection filled is touched. From then on, until ``reset``, only the trainable steps' observations are kept,
    and ``add`` is refused.

    :param buffer_size: Initial number of steps per env (REINFORCE's ``n_steps``)
    :param observation_space: Observation space
    :param action_space: Action space
    :param device: PyTorch device
    :param gae_lambda: Unused by REINFORCE, kept for SB3's buffer signature; must be 1
    :param gamma: Discount factor
    :param n_envs: Number of parallel environments
    :param max_size: Maximum number of steps per env that the buffer may grow to
    """

    # Flat env-major indices (env * pos + step) of the trainable steps once the observations are packed
    batch_indices: np.ndarray | None = None

    def reset(self) -> None:
        super().reset()
        self.batch_indices = None

    # ReinforceRolloutBuffer's signature, not SB3's add()
    def add(  # type: ignore[override]
        self,
        obs: np.ndarray | dict[str, np.ndarray],
        action: np.ndarray,
        reward: np.ndarray,
        episode_start: np.ndarray,
        trainable: np.ndarray,
        episode_step: np.ndarray,
    ) -> None:
        """
        Store one step of every env (see ``ReinforceRolloutBuffer.add``).

        :param obs: Observation s_t
        :param action: Action a_t
        :param reward: Reward r_t
        :param episode_start: Whether s_t is the first observation of an episode
        :param trainable: Whether the step belongs to an episode that joined the rollout
        :param episode_step: Index t of the step inside its episode
        :raises RuntimeError: If ``get`` has reordered the observations since the last ``reset``
        """
        if self.batch_indices is not None:
            raise RuntimeError("The buffer was read by get(), which reorders its observations: reset() it before add()")
        super().add(obs, action, reward, episode_start, trainable, episode_step)

    def _stored_rows(self) -> list[np.ndarray]:
        """The stored observations (of each key), flattened to rows: views, shape (pos * n_envs, *obs_shape)."""
        arrays = list(self.observations.values()) if isinstance(self.observations, dict) else [self.observations]
        assert all(array.flags.c_contiguous for array in arrays), "reshaped to rows, the arrays stay views"
        return [array[: self.pos].reshape(self.pos * self.n_envs, *array.shape[2:]) for array in arrays]

    def _pack(self) -> np.ndarray:
        """
        Reorder the observations to the order ``get`` yields them, in place, once per rollout (see the class
        docstring): afterwards row k holds the trainable step of rank k in env-major order.

        :return: The flat env-major indices (env * pos + step) of the trainable steps, in order
        """
        if self.batch_indices is None:
            indices = np.flatnonzero(self.swap_and_flatten(self.trainable[: self.pos]))
            for rows in self._stored_rows():
                transpose_rows(rows, self.pos, self.n_envs)
                pack_rows(rows, indices)
            self.batch_indices = indices
        return self.batch_indices

    def _observations(self, batch_inds: np.ndarray) -> th.Tensor | TensorDict:
        """
        The observations of trainable steps, read from the packed rows: a view of the buffer when they are
        consecutive (as the whole batch's are), else a copy of those rows.

        :param batch_inds: Flat env-major indices of trainable steps, increasing
        :return: A tensor, or a dict of tensors for Dict spaces
        :raises ValueError: If a step is not trainable (its observation is not kept)
        """
        indices = self._pack()
        ranks = np.searchsorted(indices, batch_inds)
        if len(ranks) and (ranks[-1] >= len(indices) or not np.array_equal(indices[ranks], batch_inds)):
            raise ValueError("Only the trainable steps' observations are kept once get() has packed them")
        consecutive = len(ranks) > 0 and bool(np.all(np.diff(ranks) == 1))
        select: slice | np.ndarray = slice(int(ranks[0]), int(ranks[-1]) + 1) if consecutive else ranks
        tensors = [self.to_torch(rows[select], copy=False) for rows in self._stored_rows()]
        if isinstance(self.observations, dict):
            return dict(zip(self.observations.keys(), tensors, strict=True))
        return tensors[0]

    # Yields the steps in order (the base class shuffles them)
    def get(  # type: ignore[override]
        self, batch_size: int | None = None
    ) -> Generator[ReinforceRolloutBufferSamples, None, None]:
        """
        Yield the trainable steps, flattened env-major and in time order: all of them at once (``batch_size`` None,
        as REINFORCE uses them), else in minibatches of whole episodes of about ``batch_size`` steps. The first call
        after a rollout reorders the observations in place (see the class docstring).

        :param batch_size: Number of steps per minibatch; an episode is never split
        """
        indices = self._pack()
        if batch_size is None:
            if len(indices):  # as ReinforceRolloutBuffer.get: nothing to yield without a trainable step
                yield self._get_samples(indices)
            return
        first = 0
        for end in [*np.flatnonzero(self._flat(self.episode_steps, indices) == 0)[1:], len(indices)]:
            if end - first >= batch_size or end == len(indices):
                yield self._get_samples(indices[first:end])
                first = end


# As ReinforceDictRolloutBuffer: DictRolloutBuffer's signatures are for dicts only, ours take both
class RecurrentReinforceDictRolloutBuffer(RecurrentReinforceRolloutBuffer, ReinforceDictRolloutBuffer):  # type: ignore[misc]
    """
    ``RecurrentReinforceRolloutBuffer`` for Dict observation spaces (see ``ReinforceDictRolloutBuffer``), each key's
    observations reordered as the class above does.

    :param buffer_size: Initial number of steps per env (REINFORCE's ``n_steps``)
    :param observation_space: Observation space (a ``spaces.Dict``)
    :param action_space: Action space
    :param device: PyTorch device
    :param gae_lambda: Unused by REINFORCE, kept for SB3's buffer signature; must be 1
    :param gamma: Discount factor
    :param n_envs: Number of parallel environments
    :param max_size: Maximum number of steps per env that the buffer may grow to
    """
