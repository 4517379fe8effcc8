"""
Envs of the shipped RL Zoo configs, registered with gymnasium on import (``register()`` imports this module; with the
zoo's own scripts pass ``--gym-packages sb3_reinforce.zoo.envs``).

``InvalidActionEnvDiscrete-v0`` (``reinforce_mask.yml``): sb3-contrib's ``InvalidActionEnvDiscrete`` (the identity
task its MaskablePPO tests learn: observe one of 70 states, reward 1 for the action of the same index) with 55 of
the 70 actions invalid at each step (never the right one), and episodes of 20 steps. With masks a random policy
earns 1/15 per step, without them 1/70.

``CueRecall-v0`` (``reinforce_lstm.yml``): a memory task, ``CueRecallEnv`` with a gap of 5 blank steps between the
cue and the question, longer than the entry's ``n_steps`` (4). With a gap of 10 no setting tried learnt it within
120k steps (an LSTM whose forget gate starts near 0.5 keeps about 0.5^10 of the cue). A policy without memory
scores 0 on average, one that remembers the cue 1.
"""

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

MASKED_ENV_ID = "InvalidActionEnvDiscrete-v0"
CUE_RECALL_ENV_ID = "CueRecall-v0"
CUE_RECALL_GAP = 5


class CueRecallEnv(gym.Env):
    """
    A memory task: a cue c in {0, 1} is shown at the first step (observation ``[1, 0, 0]`` or ``[0, 1, 0]``), then
    ``gap`` steps of zeros, then ``[0, 0, 1]``: answer now. Answering c pays +1, the other action -1; the actions
    before the answer pay nothing. Episodes last ``gap + 2`` steps (they terminate; no time limit is needed).
    A policy without memory scores 0 on average, one that remembers the cue 1.

    :param gap: Number of blank steps between the cue and the question, an integer >= 0
    """

    observation_space = spaces.Box(0.0, 1.0, (3,), np.float32)
    action_space = spaces.Discrete(2)

    def __init__(self, gap: int = CUE_RECALL_GAP):
        if isinstance(gap, bool) or not isinstance(gap, (int, np.integer)) or gap < 0:
            raise ValueError(f"gap must be an integer >= 0, got gap={gap!r}")
        self.gap = int(gap)
        self.cue = 0
        self.t = 0

    def _observation(self) -> np.ndarray:
        """The cue at t = 0, the question at the last step (t = gap + 1), zeros in between."""
        observation = np.zeros(3, dtype=np.float32)
        if self.t == 0:
            observation[self.cue] = 1.0
        elif self.t == self.gap + 1:
            observation[2] = 1.0
        return observation

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.cue = int(self.np_random.integers(2))
        self.t = 0
        return self._observation(), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        last = self.t == self.gap + 1
        reward = (1.0 if int(action) == self.cue else -1.0) if last else 0.0
        self.t += 1
        # The observation after the last step is never acted on: zeros
        observation = self._observation() if not last else np.zeros(3, dtype=np.float32)
        return observation, reward, last, False, {}


if MASKED_ENV_ID not in gym.registry:
    gym.register(
        MASKED_ENV_ID,
        entry_point="sb3_contrib.common.envs:InvalidActionEnvDiscrete",
        kwargs={"dim": 70, "n_invalid_actions": 55, "ep_length": 20},
    )

if CUE_RECALL_ENV_ID not in gym.registry:
    gym.register(CUE_RECALL_ENV_ID, entry_point="sb3_reinforce.zoo.envs:CueRecallEnv", kwargs={"gap": CUE_RECALL_GAP})
