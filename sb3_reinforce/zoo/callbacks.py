"""
Masked evaluation inside the RL Zoo. The zoo's ``ExperimentManager`` builds SB3's ``EvalCallback`` (and, with
``-optimize``, its ``TrialEvalCallback``), whose ``evaluate_policy`` gives the model no action masks. These
subclasses evaluate a maskable model with sb3-contrib's ``MaskableEvalCallback`` (masks from the eval env's
``action_masks()``), and any other model exactly as the zoo's own callbacks do; ``register()`` puts them in
``rl_zoo3.exp_manager`` in place of the originals.
"""

from rl_zoo3.callbacks import TrialEvalCallback
from sb3_contrib.common.maskable.callbacks import MaskableEvalCallback
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from stable_baselines3.common.callbacks import EvalCallback


class ZooEvalCallback(MaskableEvalCallback):
    """
    The zoo's ``EvalCallback``: sb3-contrib's ``MaskableEvalCallback`` for a model with a maskable policy
    (``--algo reinforce_mask``), SB3's ``EvalCallback`` for every other model. Same arguments as ``EvalCallback``.
    """

    def _on_step(self) -> bool:
        if isinstance(self.model.policy, MaskableActorCriticPolicy):
            return super()._on_step()
        return EvalCallback._on_step(self)


class ZooTrialEvalCallback(TrialEvalCallback, ZooEvalCallback):
    """
    The zoo's ``TrialEvalCallback`` (Optuna trials), whose evaluations go through ``ZooEvalCallback``:
    masked for a maskable model, unchanged for the others. Same arguments as ``TrialEvalCallback``.
    """
