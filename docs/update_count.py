"""
How much the number of updates matters to REINFORCE, on envs whose episodes have a fixed length.

A REINFORCE update needs whole episodes, so on Pendulum-v1 (200 steps) and HalfCheetah-v5 (1000 steps) the
number of updates in a budget is set by ``n_envs`` alone: budget / (n_envs * episode length).

Pendulum: why does REINFORCE not learn it within its budget: Monte Carlo variance, or too few updates?

Pendulum's episodes always last 200 steps, so a REINFORCE update needs at least 200 steps per env,
and 300k steps allow at most 1,500 updates (1 env). A2C can be made to look like REINFORCE
(``n_steps=200, gae_lambda=1``: Monte Carlo advantages against a learned V) or not, which separates the
two causes: the length of the return (``gae_lambda``) and the number of updates (``n_steps``).

Pendulum variants: VecNormalize, gamma 0.9, normalised advantages, lr 1e-3, log_std_init 0.
HalfCheetah: the zoo entry's settings (VecNormalize, value baseline, log_std_init -1, 64x64) with 8, 2 or 1 envs.

Each variant trains 300k steps on seed 0 and prints the mean training-episode return over each tenth of the
episodes, and the final policy std.

Usage: python docs/update_count.py [--envs Pendulum-v1 HalfCheetah-v5] [--steps 300000]
"""

import argparse
import time

import numpy as np
import torch as th
from stable_baselines3 import A2C
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import VecNormalize

from sb3_reinforce import REINFORCE

PENDULUM = dict(gamma=0.9, learning_rate=1e-3, normalize_advantage=True, policy_kwargs=dict(log_std_init=0.0))
CHEETAH = dict(
    baseline="value",
    n_steps=1,
    normalize_advantage=True,
    policy_kwargs=dict(log_std_init=-1, net_arch=dict(pi=[64, 64], vf=[64, 64])),
)
# env id: {name: (algorithm, n_envs, its arguments)}
VARIANTS = {
    "Pendulum-v1": {
        "REINFORCE, value baseline, 4 envs (375 updates)": (REINFORCE, 4, dict(PENDULUM, baseline="value", n_steps=200)),
        "REINFORCE, value baseline, 1 env (1,500 updates)": (REINFORCE, 1, dict(PENDULUM, baseline="value", n_steps=1)),
        "A2C n_steps 200, lambda 1 (Monte Carlo; 375 updates)": (A2C, 4, dict(PENDULUM, n_steps=200, gae_lambda=1.0)),
        "A2C n_steps 200, lambda 0.9 (375 updates)": (A2C, 4, dict(PENDULUM, n_steps=200, gae_lambda=0.9)),
        "A2C n_steps 8, lambda 1 (9,375 updates)": (A2C, 4, dict(PENDULUM, n_steps=8, gae_lambda=1.0)),
        "A2C n_steps 8, lambda 0.9 (9,375 updates)": (A2C, 4, dict(PENDULUM, n_steps=8, gae_lambda=0.9)),
    },
    "HalfCheetah-v5": {
        "REINFORCE, 8 envs, lr 1e-3 (37 updates)": (REINFORCE, 8, dict(CHEETAH, learning_rate=1e-3)),
        "REINFORCE, 2 envs, lr 1e-3 (150 updates)": (REINFORCE, 2, dict(CHEETAH, learning_rate=1e-3)),
        "REINFORCE, 1 env, lr 1e-3 (300 updates)": (REINFORCE, 1, dict(CHEETAH, learning_rate=1e-3)),
        "REINFORCE, 2 envs, lr 3e-3 (150 updates)": (REINFORCE, 2, dict(CHEETAH, learning_rate=3e-3)),
    },
}


class EpisodeReturns(BaseCallback):
    """Collect the returns of the training episodes (from the Monitor wrapper)."""

    def __init__(self):
        super().__init__()
        self.returns: list[float] = []

    def _on_step(self) -> bool:
        self.returns += [info["episode"]["r"] for info in self.locals["infos"] if "episode" in info]
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--steps", type=int, default=300_000)
    args = parser.parse_args()
    th.set_num_threads(1)
    for env_id in args.envs:
        for name, (algo, n_envs, kwargs) in VARIANTS[env_id].items():
            env = VecNormalize(make_vec_env(env_id, n_envs=n_envs, seed=0), gamma=kwargs.get("gamma", 0.99))
            callback = EpisodeReturns()
            start = time.perf_counter()
            model = algo("MlpPolicy", env, seed=0, **kwargs).learn(args.steps, callback=callback)
            tenths = [round(float(chunk.mean())) for chunk in np.array_split(np.array(callback.returns), 10)]
            std = th.exp(model.policy.log_std).mean().item()
            print(f"{env_id}, {name}: {tenths}, std {std:.2f} ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
