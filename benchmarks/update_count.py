"""
How much the number of updates matters to REINFORCE: on envs whose episodes have a fixed length, and on LunarLander.

A REINFORCE update needs whole episodes, so on Pendulum-v1 (200 steps) and HalfCheetah-v5 (1000 steps) the
number of updates in a budget is set by ``n_envs`` alone: budget / (n_envs * episode length).

Pendulum: why does REINFORCE not learn it within its budget: Monte Carlo variance, or too few updates?

Pendulum's episodes always last 200 steps, so a REINFORCE update needs at least 200 steps per env,
and 300k steps allow at most 1,500 updates (1 env). A2C can be made to look like REINFORCE
(``n_steps=200, gae_lambda=1``: Monte Carlo advantages against a learned V) or not, which separates the
two causes: the length of the return (``gae_lambda``) and the number of updates (``n_steps``).

Pendulum variants: VecNormalize, gamma 0.9, normalised advantages, lr 1e-3, log_std_init 0.
HalfCheetah: the zoo entry's settings (VecNormalize, value baseline, log_std_init -1, 64x64) with 8, 2 or 1 envs.
LunarLander: episodes last from about 70 steps (a crash) to 1000 (hovering until the time limit), so the update
count falls as the agent learns not to crash; variants: the previous zoo entry (16 envs, gamma 0.99, no baseline),
and the value baseline with gamma 0.999 (as the zoo's PPO entry), n_steps 1 and 4 envs or 1 env. No VecNormalize
there (the zoo's PPO and A2C entries do not use it).

Each variant trains 300k steps (``--steps``) on seed 0 and prints the mean training-episode return and length
over each tenth of the episodes, the number of updates, and the final policy std (continuous actions).

Usage: python benchmarks/update_count.py [--envs Pendulum-v1 HalfCheetah-v5] [--steps 300000] [--match "4 envs"]
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
LANDER = dict(baseline="value", n_steps=1, gamma=0.999, normalize_advantage=True, learning_rate=1e-3)
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
    "LunarLander-v3": {
        "REINFORCE, the previous entry (16 envs, n_steps 64, no baseline, lr 3e-3)": (
            REINFORCE,
            16,
            dict(n_steps=64, learning_rate=3e-3, normalize_advantage=True),
        ),
        "REINFORCE, value baseline, 4 envs, gamma 0.999": (REINFORCE, 4, LANDER),
        "REINFORCE, value baseline, 1 env, gamma 0.999": (REINFORCE, 1, LANDER),
    },
}
# envs whose observations and rewards are normalised (as in their zoo entries)
NORMALIZED = ("Pendulum-v1", "HalfCheetah-v5")


class EpisodeReturns(BaseCallback):
    """Collect the returns of the training episodes (from the Monitor wrapper)."""

    def __init__(self):
        super().__init__()
        self.returns: list[float] = []
        self.lengths: list[int] = []

    def _on_step(self) -> bool:
        episodes = [info["episode"] for info in self.locals["infos"] if "episode" in info]
        self.returns += [episode["r"] for episode in episodes]
        self.lengths += [episode["l"] for episode in episodes]
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--steps", type=int, default=300_000)
    parser.add_argument("--match", default="", help="run only the variants whose name contains this")
    args = parser.parse_args()
    th.set_num_threads(1)
    for env_id in args.envs:
        for name, (algo, n_envs, kwargs) in VARIANTS[env_id].items():
            if args.match not in name:
                continue
            env = make_vec_env(env_id, n_envs=n_envs, seed=0)
            if env_id in NORMALIZED:
                env = VecNormalize(env, gamma=kwargs.get("gamma", 0.99))
            callback = EpisodeReturns()
            start = time.perf_counter()
            model = algo("MlpPolicy", env, seed=0, **kwargs).learn(args.steps, callback=callback)
            returns = [round(float(chunk.mean())) for chunk in np.array_split(np.array(callback.returns), 10)]
            lengths = [round(float(chunk.mean())) for chunk in np.array_split(np.array(callback.lengths), 10)]
            std = f", std {th.exp(model.policy.log_std).mean().item():.2f}" if hasattr(model.policy, "log_std") else ""
            print(
                f"{env_id}, {name}: returns {returns}, lengths {lengths}, {model._n_updates} updates{std} "
                f"({time.perf_counter() - start:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
