"""Rollout buffers holding whole episodes, and the Monte Carlo return they compute."""

from collections.abc import Generator
from typing import Any, NamedTuple, TypeVar, cast

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.buffers import DictRolloutBuffer, RolloutBuffer
from stable_baselines3.common.type_aliases import TensorDict
from stable_baselines3.common.vec_env import VecNormalize


class ReinforceRolloutBufferSamples(NamedTuple):
    """
    The trainable steps of a rollout, flattened env-major.

    :param observations: Observations s_t (a tensor, or a dict of tensors for Dict spaces)
    :param actions: Actions a_t taken in s_t
    :param returns: Monte Carlo returns G_t
    :param discounts: gamma^t, with t the step's index inside its episode
    :param episode_steps: t, the step's index inside its episode (a baseline's time feature)
    :param env_indices: Index of the env each step comes from (``normalize_advantage="unbiased"`` needs it)
    """

    observations: th.Tensor | TensorDict
    actions: th.Tensor
    returns: th.Tensor
    discounts: th.Tensor
    episode_steps: th.Tensor
    env_indices: th.Tensor


SamplesT = TypeVar("SamplesT", bound=ReinforceRolloutBufferSamples)


def index_rows(field: th.Tensor | TensorDict, indices: slice | th.Tensor) -> th.Tensor | TensorDict:
    """
    Rows ``indices`` of a tensor, or of every tensor of a dict of them (Dict observations).

    :param field: A tensor, or a dict of tensors, whose first dimension is the batch
    :param indices: A slice or a tensor of row indices
    :return: Those rows, as a tensor or a dict of tensors
    """
    if isinstance(field, dict):
        return {key: value[indices] for key, value in field.items()}
    return field[indices]


def index_samples(samples: SamplesT, indices: slice | th.Tensor) -> SamplesT:
    """
    The rows ``indices`` of every field of a batch of samples.

    :param samples: A batch of samples (``ReinforceRolloutBufferSamples``, or a variant's NamedTuple of samples
        such as ``MaskableReinforceRolloutBufferSamples``)
    :param indices: A slice or a tensor of row indices
    :return: A batch of the same type, holding those rows
    """
    fields: list[Any] = [index_rows(field, indices) for field in samples]
    return cast(SamplesT, type(samples)(*fields))


def discounted_returns(rewards: np.ndarray, episode_ends: np.ndarray, gamma: float) -> np.ndarray:
    """
    Discounted reward-to-go of every step, reset at every episode boundary, for each env separately.

        G_t = r_t + gamma * (1 - end_t) * G_{t+1},   G_T = 0

    i.e. G_t = sum_{k=t}^{T_ep - 1} gamma^(k-t) r_k over the rest of t's own episode.
    The loop runs backwards over time; each iteration is one vectorised operation over the envs,
    so nothing crosses from one env (column) to another.

    :param rewards: Rewards r_t, shape (n_steps, n_envs)
    :param episode_ends: 1 where the episode ended (terminated or truncated) at step t, shape (n_steps, n_envs).
        The last row must be 1 wherever a return is wanted: nothing is bootstrapped past it.
    :param gamma: Discount factor
    :return: The returns G_t, shape (n_steps, n_envs), float32
    """
    returns = np.zeros(rewards.shape, dtype=np.float32)
    continues = 1.0 - episode_ends.astype(np.float64)
    running = np.zeros(rewards.shape[1:], dtype=np.float64)
    for step in reversed(range(rewards.shape[0])):
        running = rewards[step] + gamma * continues[step] * running
        returns[step] = running
    return returns


class ReinforceRolloutBuffer(RolloutBuffer):
    """
    Rollout buffer for REINFORCE: SB3's ``RolloutBuffer`` made to hold whole episodes.

    A rollout lasts as long as its longest joined episode, so the buffer grows (doubling) past
    ``buffer_size`` as needed, up to ``max_size`` steps per env. Besides SB3's arrays it stores,
    per step and env, whether the step belongs to an episode that joined the rollout (``trainable``),
    the step's index inside its episode, and an optional bootstrap value added on time-limit truncation.
    Values and log-probabilities are not filled in: REINFORCE needs neither during collection.
    Observations are stored in their space's dtype (uint8 frames stay uint8, as in SB3's buffer): the policy's
    preprocessing converts each chunk it is given.

    :param buffer_size: Initial number of steps per env (REINFORCE's ``n_steps``)
    :param observation_space: Observation space
    :param action_space: Action space
    :param device: PyTorch device
    :param gae_lambda: Unused by REINFORCE, kept for SB3's buffer signature; must be 1
    :param gamma: Discount factor
    :param n_envs: Number of parallel environments
    :param max_size: Maximum number of steps per env that the buffer may grow to
    """

    trainable: np.ndarray
    episode_steps: np.ndarray
    truncation_values: np.ndarray

    def __init__(
        self,
        buffer_size: int,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        device: th.device | str = "auto",
        gae_lambda: float = 1.0,
        gamma: float = 0.99,
        n_envs: int = 1,
        max_size: int = 100_000,
    ):
        if gae_lambda != 1.0:
            raise ValueError(f"gae_lambda must be 1 for Monte Carlo returns, got gae_lambda={gae_lambda!r}")
        if max_size < buffer_size:
            raise ValueError(f"max_size must be at least buffer_size={buffer_size}, got max_size={max_size!r}")
        self.max_size = max_size
        super().__init__(buffer_size, observation_space, action_space, device, gae_lambda, gamma, n_envs)

    def reset(self) -> None:
        super().reset()
        self.trainable = np.zeros((self.buffer_size, self.n_envs), dtype=bool)
        self.episode_steps = np.zeros((self.buffer_size, self.n_envs), dtype=np.int64)
        self.truncation_values = np.zeros((self.buffer_size, self.n_envs), dtype=np.float32)

    def _grow(self) -> None:
        """Double the capacity (up to ``max_size``), keeping what is stored."""
        new_size = min(2 * self.buffer_size, self.max_size)

        def extend(array: np.ndarray) -> np.ndarray:
            grown = np.zeros((new_size, *array.shape[1:]), dtype=array.dtype)
            grown[: self.buffer_size] = array
            return grown

        for name in ("actions", "rewards", "episode_starts", "trainable", "episode_steps", "truncation_values"):
            setattr(self, name, extend(getattr(self, name)))
        if isinstance(self.observations, dict):
            # SB3 types observations as an array; the Dict buffer's are a dict of arrays
            self.observations = {key: extend(obs) for key, obs in self.observations.items()}  # type: ignore[assignment]
        else:
            self.observations = extend(self.observations)
        # SB3's arrays that REINFORCE leaves empty are resized only to keep shapes consistent
        for name in ("returns", "values", "log_probs", "advantages"):
            setattr(self, name, np.zeros((new_size, self.n_envs), dtype=np.float32))
        self.buffer_size = new_size

    # Another signature than SB3's add(): the trainable mask and the step index instead of values and log-probs
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
        Store one step of every env.

        :param obs: Observation s_t
        :param action: Action a_t
        :param reward: Reward r_t
        :param episode_start: Whether s_t is the first observation of an episode
        :param trainable: Whether the step belongs to an episode that joined the rollout
        :param episode_step: Index t of the step inside its episode
        """
        if self.pos == self.buffer_size:
            if self.buffer_size >= self.max_size:
                raise RuntimeError(f"The buffer is full: it holds max_size={self.max_size} steps per env")
            self._grow()
        if isinstance(self.observations, dict):
            assert isinstance(obs, dict), "Dict observations come as a dict of arrays"
            shapes = cast(dict[str, tuple[int, ...]], self.obs_shape)  # a dict in the Dict buffer
            for key, obs_key in obs.items():
                self.observations[key][self.pos] = np.reshape(obs_key, (self.n_envs, *shapes[key]))
        else:
            self.observations[self.pos] = np.reshape(cast(np.ndarray, obs), (self.n_envs, *self.obs_shape))
        self.actions[self.pos] = np.reshape(action, (self.n_envs, self.action_dim))
        self.rewards[self.pos] = reward
        self.episode_starts[self.pos] = episode_start
        self.trainable[self.pos] = trainable
        self.episode_steps[self.pos] = episode_step
        self.pos += 1

    def add_truncation_value(self, env_idx: int, value: float) -> None:
        """
        Add ``gamma * V(terminal_obs)`` to the return of the last stored step of env ``env_idx``
        (opt-in bootstrap on time-limit truncation).

        :param env_idx: Index of the env whose episode was truncated
        :param value: V(terminal_obs), the value of the observation the time limit cut
        """
        self.truncation_values[self.pos - 1, env_idx] = self.gamma * value

    def compute_returns(self, dones: np.ndarray) -> None:
        """
        Fill ``returns`` with the Monte Carlo returns G_t of the ``pos`` stored steps.

        Step t ends its episode when step t+1 starts one; the last row ends where ``dones`` says.
        Nothing is bootstrapped (beyond the opt-in ``truncation_values``): an episode still
        running at the last row gets a truncated sum, and such steps are never trainable.

        :param dones: Whether each env's episode ended at the last stored step
        """
        size = self.pos
        episode_ends = np.empty((size, self.n_envs), dtype=np.float32)
        episode_ends[:-1] = self.episode_starts[1:size]
        episode_ends[-1] = dones
        rewards = self.rewards[:size] + self.truncation_values[:size]
        self.returns[:size] = discounted_returns(rewards, episode_ends, self.gamma)

    # Yields ReinforceRolloutBufferSamples, not SB3's RolloutBufferSamples
    def get(  # type: ignore[override]
        self, batch_size: int | None = None
    ) -> Generator[ReinforceRolloutBufferSamples, None, None]:
        """
        Yield the trainable steps, flattened env-major and shuffled, in minibatches
        (all of them at once when ``batch_size`` is None, as REINFORCE uses them).

        :param batch_size: Number of steps per minibatch
        """
        trainable_idx = np.flatnonzero(self.swap_and_flatten(self.trainable[: self.pos]))
        indices = np.random.permutation(trainable_idx)
        if batch_size is None:
            batch_size = max(len(indices), 1)
        for start in range(0, len(indices), batch_size):
            yield self._get_samples(indices[start : start + batch_size])

    def _flat(self, array: np.ndarray, batch_inds: np.ndarray) -> np.ndarray:
        """
        Rows ``batch_inds`` of the stored steps flattened env-major (index ``env * pos + step``), as
        ``swap_and_flatten(array[:pos])[batch_inds]`` but with one copy of only those rows.

        :param array: A per-step array, shape (buffer_size, n_envs, ...)
        :param batch_inds: Flat env-major indices
        :return: The rows, shape (len(batch_inds), ...)
        """
        return array[batch_inds % self.pos, batch_inds // self.pos]

    def _observations(self, batch_inds: np.ndarray) -> th.Tensor | TensorDict:
        """
        The observations of rows ``batch_inds`` (flat env-major indices) as tensors, in the space's dtype. A hook
        for subclasses that store them otherwise (``RecurrentReinforceRolloutBuffer``).

        :param batch_inds: Flat env-major indices
        :return: A tensor, or a dict of tensors for Dict spaces
        """
        if isinstance(self.observations, dict):
            return {key: self.to_torch(self._flat(obs, batch_inds), copy=False) for key, obs in self.observations.items()}
        return self.to_torch(self._flat(self.observations, batch_inds), copy=False)

    # Returns ReinforceRolloutBufferSamples, not SB3's RolloutBufferSamples
    def _get_samples(  # type: ignore[override]
        self, batch_inds: np.ndarray, env: VecNormalize | None = None
    ) -> ReinforceRolloutBufferSamples:
        episode_steps = self._flat(self.episode_steps, batch_inds)
        discounts = self.gamma ** episode_steps.astype(np.float64)
        return ReinforceRolloutBufferSamples(
            observations=self._observations(batch_inds),
            # Cast to float32 like SB3 (its policies expect float actions)
            actions=self.to_torch(self._flat(self.actions, batch_inds).astype(np.float32, copy=False)),
            returns=self.to_torch(self._flat(self.returns, batch_inds)),
            discounts=self.to_torch(discounts.astype(np.float32)),
            episode_steps=self.to_torch(episode_steps),
            env_indices=self.to_torch(batch_inds // self.pos),
        )


# DictRolloutBuffer's add, get and _get_samples are typed for dicts only; ReinforceRolloutBuffer's take both
class ReinforceDictRolloutBuffer(ReinforceRolloutBuffer, DictRolloutBuffer):  # type: ignore[misc]
    """
    ``ReinforceRolloutBuffer`` for Dict observation spaces: SB3's ``DictRolloutBuffer`` allocates
    one observation array per key, and every method above handles dicts of arrays.

    :param buffer_size: Initial number of steps per env (REINFORCE's ``n_steps``)
    :param observation_space: Observation space (a ``spaces.Dict``)
    :param action_space: Action space
    :param device: PyTorch device
    :param gae_lambda: Unused by REINFORCE, kept for SB3's buffer signature; must be 1
    :param gamma: Discount factor
    :param n_envs: Number of parallel environments
    :param max_size: Maximum number of steps per env that the buffer may grow to
    """
