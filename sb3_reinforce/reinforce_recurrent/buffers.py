"""REINFORCE's whole-episode rollout buffers, yielding each episode's steps in order, as recurrent policies need them."""

from collections.abc import Generator

import numpy as np
import torch as th
from stable_baselines3.common.type_aliases import TensorDict

from sb3_reinforce.buffers import ReinforceDictRolloutBuffer, ReinforceRolloutBuffer, ReinforceRolloutBufferSamples

# Rows moved at a time when the observations are compacted (the copy of an overlapping block is made through a
# temporary of at most this many rows)
COMPACTION_BLOCK = 256


def env_major_zeros(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """
    A zero array of ``shape`` (steps, n_envs, ...) whose memory is laid out env-major: each env's steps contiguous.
    It is a view, with the time-major shape SB3's buffers index, of a C-contiguous (n_envs, steps, ...) array.

    :param shape: (steps, n_envs, *obs_shape)
    :param dtype: The observations' dtype
    :return: The time-major view
    """
    return np.zeros((shape[1], shape[0], *shape[2:]), dtype=dtype).swapaxes(0, 1)


class RecurrentReinforceRolloutBuffer(ReinforceRolloutBuffer):
    """
    ``ReinforceRolloutBuffer`` whose ``get`` keeps the trainable steps in order, env by env: every trained episode
    starts inside the rollout and runs to its end, so its steps come out contiguous, from its first (t = 0) to its
    last, ready to be unrolled through an LSTM from the zero state. No LSTM state is stored: none is needed.

    The observations are stored env-major (each env's steps contiguous in memory; ``observations`` is a
    time-major view of that storage, indexed as SB3's buffers are). The first ``get`` after a rollout moves the
    trainable steps' observations, in place, to the start of that storage in the order ``get`` yields them (as
    SB3's ``RolloutBuffer.get`` reshapes its arrays in place once), so that the batch's observations are a view of
    the buffer rather than a copy: the update does not hold a second copy of the rollout's frames. From then on,
    until ``reset``, only the trainable steps' observations are kept, and ``add`` is refused.

    :param buffer_size: Initial number of steps per env (REINFORCE's ``n_steps``)
    :param observation_space: Observation space
    :param action_space: Action space
    :param device: PyTorch device
    :param gae_lambda: Unused by REINFORCE, kept for SB3's buffer signature; must be 1
    :param gamma: Discount factor
    :param n_envs: Number of parallel environments
    :param max_size: Maximum number of steps per env that the buffer may grow to
    """

    # Flat env-major indices (env * pos + step) of the trainable steps once their observations are compacted
    batch_indices: np.ndarray | None = None

    def reset(self) -> None:
        super().reset()
        if isinstance(self.observations, dict):
            # SB3 types observations as an array; the Dict buffer's are a dict of arrays
            self.observations = {key: env_major_zeros(obs.shape, obs.dtype) for key, obs in self.observations.items()}  # type: ignore[assignment]
        else:
            self.observations = env_major_zeros(self.observations.shape, self.observations.dtype)
        self.batch_indices = None

    def _extended_observations(self, observations: np.ndarray, new_size: int) -> np.ndarray:
        grown = env_major_zeros((new_size, *observations.shape[1:]), observations.dtype)
        grown[: self.buffer_size] = observations
        return grown

    def add(self, *args, **kwargs) -> None:
        """
        Store one step of every env (see ``ReinforceRolloutBuffer.add``).

        :raises RuntimeError: If ``get`` has compacted the observations since the last ``reset``
        """
        if self.batch_indices is not None:
            raise RuntimeError("The buffer was read by get(), which compacts its observations: reset() it before add()")
        super().add(*args, **kwargs)

    def _storages(self) -> list[np.ndarray]:
        """The env-major storage of the observations (of each key), flattened to (n_envs * buffer_size, *obs_shape)."""
        arrays = list(self.observations.values()) if isinstance(self.observations, dict) else [self.observations]
        storages = []
        for array in arrays:
            storage = array.swapaxes(0, 1)  # (n_envs, buffer_size, ...), C-contiguous
            assert storage.flags.c_contiguous, "the observations are stored env-major"
            storages.append(storage.reshape(self.n_envs * self.buffer_size, *storage.shape[2:]))
        return storages

    def _compact(self) -> np.ndarray:
        """
        Move the trainable steps' observations to the start of their env-major storage, in place, in the order of
        their flat env-major indices (once per rollout).

        Step t of env e is stored at row e * buffer_size + t; its rank k among the trainable steps, in env-major
        order, is its row after the move. Rows only move towards the start (k <= e * buffer_size + t, and the
        ranks and rows increase together), so moving them in order, a block of rows at a time, never overwrites a
        row not yet moved.

        :return: The flat env-major indices of the trainable steps, in order
        """
        if self.batch_indices is None:
            indices = np.flatnonzero(self.swap_and_flatten(self.trainable[: self.pos]))
            sources = (indices // self.pos) * self.buffer_size + indices % self.pos
            # Runs of consecutive rows, each moved as a range: [start, end) of the ranks, from row sources[start]
            run_starts = np.flatnonzero(np.diff(sources, prepend=-2) != 1).tolist()
            run_ends = [*run_starts[1:], len(indices)] if run_starts else []
            runs = list(zip(run_starts, run_ends, strict=True))
            for storage in self._storages():
                for start, end in runs:
                    source = int(sources[start])
                    if source == start:
                        continue
                    for offset in range(0, end - start, COMPACTION_BLOCK):
                        size = min(COMPACTION_BLOCK, end - start - offset)
                        # numpy copies through a temporary where the two ranges overlap
                        storage[start + offset : start + offset + size] = storage[source + offset : source + offset + size]
            self.batch_indices = indices
        return self.batch_indices

    def _observations(self, batch_inds: np.ndarray) -> th.Tensor | TensorDict:
        """
        The observations of trainable steps, read from the compacted storage: a view of the buffer when the rows
        are consecutive (as the whole batch's are), else a copy of those rows.

        :param batch_inds: Flat env-major indices of trainable steps, increasing
        :return: A tensor, or a dict of tensors for Dict spaces
        :raises ValueError: If a step is not trainable (its observation is not kept)
        """
        indices = self._compact()
        rows = np.searchsorted(indices, batch_inds)
        if len(rows) and (rows[-1] >= len(indices) or not np.array_equal(indices[rows], batch_inds)):
            raise ValueError("Only the trainable steps' observations are kept once get() has compacted them")
        consecutive = len(rows) > 0 and rows[-1] - rows[0] == len(rows) - 1 and np.all(np.diff(rows) == 1)
        select: slice | np.ndarray = slice(int(rows[0]), int(rows[-1]) + 1) if consecutive else rows
        tensors = [self.to_torch(storage[select], copy=False) for storage in self._storages()]
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
        after a rollout compacts the observations (see the class docstring).

        :param batch_size: Number of steps per minibatch; an episode is never split
        """
        indices = self._compact()
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
    observations stored and compacted as the class above does.

    :param buffer_size: Initial number of steps per env (REINFORCE's ``n_steps``)
    :param observation_space: Observation space (a ``spaces.Dict``)
    :param action_space: Action space
    :param device: PyTorch device
    :param gae_lambda: Unused by REINFORCE, kept for SB3's buffer signature; must be 1
    :param gamma: Discount factor
    :param n_envs: Number of parallel environments
    :param max_size: Maximum number of steps per env that the buffer may grow to
    """
