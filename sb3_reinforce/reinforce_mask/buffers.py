"""REINFORCE's whole-episode rollout buffers, storing the invalid-action masks of every step."""

from typing import NamedTuple

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.vec_env import VecNormalize

from sb3_reinforce.buffers import ReinforceDictRolloutBuffer, ReinforceRolloutBuffer, ReinforceRolloutBufferSamples

# ReinforceRolloutBufferSamples' fields, plus the masks; built from them so that the two stay in step
MaskableReinforceRolloutBufferSamples = NamedTuple(  # type: ignore[misc]
    "MaskableReinforceRolloutBufferSamples",
    [*ReinforceRolloutBufferSamples.__annotations__.items(), ("action_masks", th.Tensor)],
)
MaskableReinforceRolloutBufferSamples.__doc__ = (
    "The trainable steps of a rollout, flattened env-major (see ``ReinforceRolloutBufferSamples``), with "
    "``action_masks``: the invalid-action masks the policy sampled a_t under (1: valid), shape (batch, mask_dims)"
)


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

    def add(self, *args, action_masks: np.ndarray | None = None, **kwargs) -> None:  # type: ignore[override]
        """
        Store one step of every env (the arguments of ``ReinforceRolloutBuffer.add``) and its masks.

        :param action_masks: Masks the actions were sampled under, shape (n_envs, mask_dims);
            None: all actions were valid
        """
        super().add(*args, **kwargs)
        step_masks = 1.0 if action_masks is None else np.reshape(action_masks, (self.n_envs, self.mask_dims))
        self.action_masks[self.pos - 1] = step_masks

    def _get_samples(  # type: ignore[override]
        self, batch_inds: np.ndarray, env: VecNormalize | None = None
    ) -> MaskableReinforceRolloutBufferSamples:
        samples = super()._get_samples(batch_inds, env)
        action_masks = self._flat(self.action_masks, batch_inds)
        return MaskableReinforceRolloutBufferSamples(*samples, action_masks=self.to_torch(action_masks))


class MaskableReinforceDictRolloutBuffer(MaskableReinforceRolloutBuffer, ReinforceDictRolloutBuffer):
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
