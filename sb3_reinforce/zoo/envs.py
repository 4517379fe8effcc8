"""
A masked env for the RL Zoo, registered with gymnasium on import (``register()`` imports this module; with the
zoo's own scripts pass ``--gym-packages sb3_reinforce.zoo.envs``).

``InvalidActionEnvDiscrete-v0``: sb3-contrib's ``InvalidActionEnvDiscrete`` (the identity task its MaskablePPO
tests learn: observe one of 70 states, reward 1 for the action of the same index) with 55 of the 70 actions
invalid at each step (never the right one), and episodes of 20 steps. With masks a random policy earns 1/15
per step, without them 1/70.
"""

import gymnasium as gym

MASKED_ENV_ID = "InvalidActionEnvDiscrete-v0"

if MASKED_ENV_ID not in gym.registry:
    gym.register(
        MASKED_ENV_ID,
        entry_point="sb3_contrib.common.envs:InvalidActionEnvDiscrete",
        kwargs={"dim": 70, "n_invalid_actions": 55, "ep_length": 20},
    )
