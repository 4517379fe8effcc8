"""Callbacks for training with REINFORCE (usable with any SB3 algorithm)."""

import math

import torch as th
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.policies import ActorCriticPolicy


class FreezeVecNormalizeCallback(BaseCallback):
    """
    Stop updating ``VecNormalize``'s running statistics (its ``training`` flag) once ``after_timesteps`` steps have
    been collected; from then on the observations are normalised with the statistics of the first steps.

    Why: ``VecNormalize`` keeps averaging the observations of every step. Once a policy is good, the states it visits
    are narrower (a balanced pole), the observations' variance shrinks and the normalised inputs grow, so the same
    parameters act differently. REINFORCE's learning rate decays to 0 (``lin_<x>`` schedules) and it makes few
    updates late in training, so it cannot follow its inputs as they move. On CartPoleNoVel-v1 a policy that reached
    500 at 50k steps fell to 141 by 100k with the statistics updated, and stayed at 450 to 500 with them frozen at 50k
    (docs/benchmark.md).

    In the RL Zoo: ``callback: - sb3_reinforce.callbacks.FreezeVecNormalizeCallback: {after_timesteps: 50000}``.

    :param after_timesteps: Number of steps (``model.num_timesteps``) after which the statistics stop changing, >= 0
    :param verbose: Verbosity level: 0 for no output, 1 for a message when the statistics are frozen
    """

    def __init__(self, after_timesteps: int, verbose: int = 0):
        super().__init__(verbose)
        if isinstance(after_timesteps, bool) or not isinstance(after_timesteps, int) or after_timesteps < 0:
            raise ValueError(f"after_timesteps must be an integer >= 0, got after_timesteps={after_timesteps!r}")
        self.after_timesteps = after_timesteps

    def _init_callback(self) -> None:
        if self.model.get_vec_normalize_env() is None:
            raise ValueError(
                "FreezeVecNormalizeCallback needs a training env wrapped in VecNormalize (in the RL Zoo: normalize: true)"
            )

    def _on_step(self) -> bool:
        vec_normalize = self.model.get_vec_normalize_env()
        assert vec_normalize is not None  # checked in _init_callback
        if vec_normalize.training and self.num_timesteps >= self.after_timesteps:
            vec_normalize.training = False
            if self.verbose >= 1:
                print(f"VecNormalize statistics frozen at {self.num_timesteps} steps")
        return True


class LogStdDecayCallback(BaseCallback):
    """
    Shrink the exploration noise of a policy on a ``Box`` action space over the run: before each rollout, every entry
    of the policy's ``log_std`` (the Gaussian's, or gSDE's) above a ceiling is set to it, and the ceiling falls
    linearly from the largest entry when training starts, ``log_std_0``, to ``final_log_std`` at the end:

    .. math:: \\text{ceiling} = \\log\\sigma_0 + (\\text{final\\_log\\_std} - \\log\\sigma_0) \\cdot p

    with ``p`` the fraction of ``learn``'s ``total_timesteps`` done (``1 - model._current_progress_remaining``, the
    progress SB3's ``lin_<x>`` schedules use). Entries below the ceiling stay as learned. With gSDE the noise matrix is
    redrawn after the cut, so that the rollout's actions come from the distribution whose log-probability the update
    differentiates: each update stays an unbiased estimate of the gradient at the parameters it collected with.

    Why: the policy learns ``log_std``, but only as far as its returns tell it to. Where the noise alone solves the
    task (gSDE swinging the car up the hill in MountainCarContinuousNoVel-v0), nearly every sampled episode succeeds,
    the returns hardly say which mean action is better, and the mean, which a deterministic evaluation uses, never
    learns the task (docs/benchmark.md). Less noise from the start does not explore; less noise later makes the
    returns depend on the mean.

    In the RL Zoo: ``callback: - sb3_reinforce.callbacks.LogStdDecayCallback: {final_log_std: -2.0}``. Logs the
    ceiling as ``train/log_std_ceiling``.

    :param final_log_std: The ceiling at the end of training, below the policy's ``log_std`` when training starts
    :param verbose: Verbosity level: 0 for no output, 1 for the ceiling at each rollout
    """

    def __init__(self, final_log_std: float, verbose: int = 0):
        super().__init__(verbose)
        if isinstance(final_log_std, bool) or not isinstance(final_log_std, (int, float)) or not math.isfinite(final_log_std):
            raise ValueError(f"final_log_std must be a finite number, got final_log_std={final_log_std!r}")
        self.final_log_std = float(final_log_std)
        self.initial_log_std = float("nan")

    def _log_std(self) -> th.nn.Parameter:
        log_std = getattr(self.model.policy, "log_std", None)
        if not isinstance(log_std, th.nn.Parameter):
            raise ValueError(
                "LogStdDecayCallback needs a policy with a learned log_std: a Box action space (a Gaussian or gSDE), "
                f"got action space {self.model.action_space}"
            )
        return log_std

    def _init_callback(self) -> None:
        self.initial_log_std = float(self._log_std().detach().max())
        if self.final_log_std >= self.initial_log_std:
            raise ValueError(
                f"final_log_std must be below the policy's log_std when training starts ({self.initial_log_std:.4g}), "
                f"got final_log_std={self.final_log_std}"
            )

    def _on_rollout_start(self) -> None:
        progress = 1.0 - self.model._current_progress_remaining
        ceiling = self.initial_log_std + (self.final_log_std - self.initial_log_std) * progress
        with th.no_grad():
            self._log_std().clamp_(max=ceiling)
        if self.model.use_sde:
            policy = self.model.policy
            assert isinstance(policy, ActorCriticPolicy)  # the on-policy algorithms' policies, recurrent ones included
            policy.reset_noise(self.training_env.num_envs)
        self.logger.record("train/log_std_ceiling", ceiling)
        if self.verbose >= 1:
            print(f"log_std capped at {ceiling:.4f} at {self.num_timesteps} steps")

    def _on_step(self) -> bool:
        return True
