"""REINFORCE's whole-episode rollout buffers, yielding each episode's steps in order, as recurrent policies need them."""

from collections.abc import Generator

import numpy as np

from sb3_reinforce.buffers import ReinforceDictRolloutBuffer, ReinforceRolloutBuffer, ReinforceRolloutBufferSamples


class RecurrentReinforceRolloutBuffer(ReinforceRolloutBuffer):
    """
    ``ReinforceRolloutBuffer`` whose ``get`` keeps the trainable steps in order, env by env: every trained episode
    starts inside the rollout and runs to its end, so its steps come out contiguous, from its first (t = 0) to its
    last, ready to be unrolled through an LSTM from the zero state. No LSTM state is stored: none is needed.

    :param buffer_size: Initial number of steps per env (REINFORCE's ``n_steps``)
    :param observation_space: Observation space
    :param action_space: Action space
    :param device: PyTorch device
    :param gae_lambda: Unused by REINFORCE, kept for SB3's buffer signature; must be 1
    :param gamma: Discount factor
    :param n_envs: Number of parallel environments
    :param max_size: Maximum number of steps per env that the buffer may grow to
    """

    # Yields the steps in order (the base class shuffles them)
    def get(  # type: ignore[override]
        self, batch_size: int | None = None
    ) -> Generator[ReinforceRolloutBufferSamples, None, None]:
        """
        Yield the trainable steps, flattened env-major and in time order: all of them at once (``batch_size`` None,
        as REINFORCE uses them), else in minibatches of whole episodes of about ``batch_size`` steps.

        :param batch_size: Number of steps per minibatch; an episode is never split
        """
        indices = np.flatnonzero(self.swap_and_flatten(self.trainable[: self.pos]))
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
    ``RecurrentReinforceRolloutBuffer`` for Dict observation spaces (see ``ReinforceDictRolloutBuffer``).

    :param buffer_size: Initial number of steps per env (REINFORCE's ``n_steps``)
    :param observation_space: Observation space (a ``spaces.Dict``)
    :param action_space: Action space
    :param device: PyTorch device
    :param gae_lambda: Unused by REINFORCE, kept for SB3's buffer signature; must be 1
    :param gamma: Discount factor
    :param n_envs: Number of parallel environments
    :param max_size: Maximum number of steps per env that the buffer may grow to
    """
