"""REINFORCE (Monte Carlo policy gradient) for Stable-Baselines3."""

from sb3_reinforce.policies import CnnPolicy, MlpPolicy, MultiInputPolicy
from sb3_reinforce.reinforce import REINFORCE
from sb3_reinforce.reinforce_mask import MaskableREINFORCE
from sb3_reinforce.reinforce_recurrent import RecurrentREINFORCE

__version__ = "0.2.0"

__all__ = ["REINFORCE", "CnnPolicy", "MaskableREINFORCE", "MlpPolicy", "MultiInputPolicy", "RecurrentREINFORCE", "__version__"]
