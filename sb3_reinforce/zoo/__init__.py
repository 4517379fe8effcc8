"""
RL Zoo integration: train, enjoy and tune REINFORCE (MaskableREINFORCE, RecurrentREINFORCE) with the RL Zoo's own
scripts.

    python -m sb3_reinforce.zoo train --algo reinforce --env CartPole-v1
    python -m sb3_reinforce.zoo train --algo reinforce_mask --env InvalidActionEnvDiscrete-v0
    python -m sb3_reinforce.zoo train --algo reinforce_lstm --env CartPoleNoVel-v1
    python -m sb3_reinforce.zoo enjoy --algo reinforce --env CartPole-v1 -f logs/

Needs the ``zoo`` extra (``pip install -e ".[zoo]"`` from the root of the clone). Importing ``sb3_reinforce`` alone never
imports the zoo; :func:`register` adds REINFORCE, MaskableREINFORCE and RecurrentREINFORCE to the zoo's tables, and the
CLI calls it first.
"""

from sb3_reinforce.zoo.config import ZooConfigError, check_hyperparams, default_config_path
from sb3_reinforce.zoo.registry import ALGO_NAME, MASKABLE_ALGO_NAME, RECURRENT_ALGO_NAME, register

__all__ = [
    "ALGO_NAME",
    "MASKABLE_ALGO_NAME",
    "RECURRENT_ALGO_NAME",
    "ZooConfigError",
    "check_hyperparams",
    "default_config_path",
    "register",
]
