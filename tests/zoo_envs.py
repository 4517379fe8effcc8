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

RAISING_MASKED_ENV_ID = "RaisingInvalidActionEnvDiscrete-v0"


def make_raising_masked_env() -> gym.Env:
    """sb3-contrib's masked identity env (20 actions, 10 invalid, 20-step episodes), raising on an invalid action."""
    from sb3_contrib.common.envs import InvalidActionEnvDiscrete

    from tests.envs import RaiseOnInvalidAction

    return RaiseOnInvalidAction(InvalidActionEnvDiscrete(dim=20, n_invalid_actions=10, ep_length=20))


if RAISING_MASKED_ENV_ID not in gym.registry:
    gym.register(RAISING_MASKED_ENV_ID, entry_point=make_raising_masked_env)
