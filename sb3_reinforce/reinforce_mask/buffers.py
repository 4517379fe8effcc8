"""REINFORCE's whole-episode rollout buffers, storing the invalid-action masks of every step."""

from typing import NamedTuple

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.type_aliases import TensorDict
from stable_baselines3.common.vec_env import VecNormalize

from sb3_reinforce.buffers import ReinforceDictRolloutBuffer, ReinforceRolloutBuffer


class MaskableReinforceRolloutBufferSamples(NamedTuple):
    """
    The trainable steps of a rollout, flattened env-major: ``ReinforceRolloutBufferSamples``' fields, in its order
    (a NamedTuple cannot extend another; ``tests/test_mask.py`` checks that the two agree), and the masks.

    :param observations: Observations s_t (a tensor, or a dict of tensors for Dict spaces)
    :param actions: Actions a_t taken in s_t
    :param returns: Monte Carlo returns G_t
    :param discounts: gamma^t, with t the step's index inside its episode
    :param episode_steps: t, the step's index inside its episode (a baseline's time feature)
    :param env_indices: Index of the env each step comes from (``normalize_advantage="unbiased"`` needs it)
    :param action_masks: The invalid-action masks the policy sampled a_t under (1: valid), shape (batch, mask_dims)
    """

    observations: th.Tensor | TensorDict
    actions: th.Tensor
    returns: th.Tensor
    discounts: th.Tensor
    episode_steps: th.Tensor
    env_indices: th.Tensor
    action_masks: th.Tensor


def mask_dims(action_space: spaces.Space) -> int:
    """
    Number of mask entries per step, as sb3-contrib's ``MaskableRolloutBuffer`` counts them.

    :param action_space: Discrete, MultiDiscrete or (one-dimensional) MultiBinary
    :return: n for Discrete(n), sum(nvec) for MultiDiscrete, 2 n for MultiBinary(n) (one mask per outcome)
    """
    if isinstance(action_space, spaces.Discrete):
        return int(action_space.n)
    if isinstance(action_space, spaces.MultiDiscrete):
        return int(np.sum(action_space.nvec))
    if isinstance(action_space, spaces.MultiBinary) and isinstance(action_space.n, int):
        return 2 * action_space.n
    raise ValueError(
        f"Action masking supports Discrete, MultiDiscrete and one-dimensional MultiBinary action spaces, got {action_space}"
    )


class MaskableReinforceRolloutBuffer(ReinforceRolloutBuffer):
    """
    ``ReinforceRolloutBuffer`` that also stores, per step and env, the invalid-action masks the action was
    sampled under (as sb3-contrib's ``MaskableRolloutBuffer`` does for a fixed-size rollout). Steps stored
    without masks (``use_masking=False``) get all-valid masks, which leave the distribution unmasked.

    :param buffer_size: Initial number of steps per env (REINFORCE's ``n_steps``)
    :param observation_space: Observation space
    :param action_space: Action space (Discrete, MultiDiscrete or MultiBinary)
    :param device: PyTorch device
    :param gae_lambda: Unused by REINFORCE, kept for SB3's buffer signature; must be 1
    :param gamma: Discount factor
    :param n_envs: Number of parallel environments
    :param max_size: Maximum number of steps per env that the buffer may grow to
    """

    action_masks: np.ndarray

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
        self.mask_dims = mask_dims(action_space)
        super().__init__(buffer_size, observation_space, action_space, device, gae_lambda, gamma, n_envs, max_size)

    def reset(self) -> None:
        super().reset()
        self.action_masks = np.ones((self.buffer_size, self.n_envs, self.mask_dims), dtype=np.float32)

    def _grow(self) -> None:
        stored = self.action_masks
        super()._grow()
        self.action_masks = np.ones((self.buffer_size, self.n_envs, self.mask_dims), dtype=np.float32)
        self.action_masks[: len(stored)] = stored

    def add(self, *args, action_masks: np.ndarray | None = None, **kwargs) -> None:
        """
        Store one step of every env (the arguments of ``ReinforceRolloutBuffer.add``) and its masks.

        :param action_masks: Masks the actions were sampled under, shape (n_envs, mask_dims);
            None: all actions were valid
        """
        super().add(*args, **kwargs)
        step_masks = 1.0 if action_masks is None else np.reshape(action_masks, (self.n_envs, self.mask_dims))
        self.action_masks[self.pos - 1] = step_masks

    # Ignored for mypy ([override]): the samples are another NamedTuple (with the masks), not a ReinforceRolloutBufferSamples
    def _get_samples(  # type: ignore[override]
        self, batch_inds: np.ndarray, env: VecNormalize | None = None
    ) -> MaskableReinforceRolloutBufferSamples:
        samples = super()._get_samples(batch_inds, env)
        action_masks = self._flat(self.action_masks, batch_inds)
        return MaskableReinforceRolloutBufferSamples(*samples, action_masks=self.to_torch(action_masks))


# Ignored for mypy ([misc]): the whole-episode get/_get_samples of the first base replace DictRolloutBuffer's on purpose
# (they handle dict observations); mypy flags any two bases whose signatures differ
class MaskableReinforceDictRolloutBuffer(MaskableReinforceRolloutBuffer, ReinforceDictRolloutBuffer):  # type: ignore[misc]
    """
    ``MaskableReinforceRolloutBuffer`` for Dict observation spaces (see ``ReinforceDictRolloutBuffer``).

    :param buffer_size: Initial number of steps per env (REINFORCE's ``n_steps``)
    :param observation_space: Observation space (a ``spaces.Dict``)
    :param action_space: Action space (Discrete, MultiDiscrete or MultiBinary)
    :param device: PyTorch device
    :param gae_lambda: Unused by REINFORCE, kept for SB3's buffer signature; must be 1
    :param gamma: Discount factor
    :param n_envs: Number of parallel environments
    :param max_size: Maximum number of steps per env that the buffer may grow to
    """
