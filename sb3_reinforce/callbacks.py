"""Callbacks for training with REINFORCE (usable with any SB3 algorithm)."""

from stable_baselines3.common.callbacks import BaseCallback


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
