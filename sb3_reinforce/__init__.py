"""REINFORCE (Monte Carlo policy gradient) for Stable-Baselines3."""

from sb3_reinforce.policies import CnnPolicy, MlpPolicy, MultiInputPolicy
from sb3_reinforce.reinforce import REINFORCE

__version__ = "0.1.0"

__all__ = ["REINFORCE", "CnnPolicy", "MlpPolicy", "MultiInputPolicy", "__version__"]
