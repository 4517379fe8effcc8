"""Envs registered for the RL Zoo tests; the zoo imports this module through ``--gym-packages tests.zoo_envs``."""

import gymnasium as gym

MULTI_OBS_ENV_ID = "SimpleMultiObsEnv-v0"

if MULTI_OBS_ENV_ID not in gym.registry:
    # Dict observations ("vec": Box(5), "img": 64x64x1 image), 4 discrete actions; episodes end within 30 steps
    gym.register(
        MULTI_OBS_ENV_ID,
        entry_point="stable_baselines3.common.envs:SimpleMultiObsEnv",
        max_episode_steps=30,
    )
