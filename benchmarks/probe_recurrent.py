"""
Quick probe of a RecurrentREINFORCE setting from Python, faster than the benchmark's protocol: one seed, 10
deterministic evaluation episodes every 10,000 steps (the benchmark: every 5,000, through the zoo's CLI), and 10
more with the actions sampled, as in training (gSDE's noise matrix drawn anew every ``sde_sample_freq`` steps).
Prints the seed, the deterministic evaluations, the wall-clock time and the sampled evaluations: where the two part,
the policy relies on its noise, which the benchmark's deterministic evaluation removes. ``docs/benchmark.md`` lists
the settings probed this way for ``CartPoleNoVel-v1`` before its entry was picked.

    python benchmarks/probe_recurrent.py 0 '{"normalize": true, "n_steps": 16, "learning_rate": "lin_5e-3",
        "baseline": "value", "normalize_advantage": "returns", "max_grad_norm": 0.5,
        "policy_kwargs": {"lstm_hidden_size": 64, "ortho_init": false, "activation_fn": "ReLU",
                          "net_arch": {"pi": [64], "vf": [64]}}}'

The JSON holds RecurrentREINFORCE's keyword arguments, and ``env`` (default CartPoleNoVel-v1), ``n_envs`` (8),
``normalize`` (VecNormalize on the observations), ``norm_reward`` (and on the rewards, as the zoo's
``normalize: true``; default false), ``freeze_normalization_after`` (steps after which its
statistics stop changing: ``sb3_reinforce.callbacks.FreezeVecNormalizeCallback``), ``learning_rate`` and
``ent_coef`` as a number or ``lin_<x>``, and ``activation_fn`` by its name in ``torch.nn``.
"""

import json
import sys
import time

import rl_zoo3.import_envs  # noqa: F401  (registers the velocity-masked envs)
import torch as th
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.utils import LinearSchedule
from stable_baselines3.common.vec_env import VecNormalize

from sb3_reinforce import RecurrentREINFORCE
from sb3_reinforce.callbacks import FreezeVecNormalizeCallback

EVAL_EVERY = 10_000


class PeriodicEvaluation(BaseCallback):
    """
    Evaluate on 10 deterministic episodes, then on 10 with sampled actions, every ``EVAL_EVERY`` steps, the training
    statistics synced.
    """

    def __init__(self, eval_env, train_env):
        super().__init__()
        self.eval_env, self.train_env = eval_env, train_env
        self.next_evaluation = EVAL_EVERY
        self.evaluations: list[float] = []
        self.sampled_evaluations: list[float] = []
        self.evaluation_steps = 0

    def _on_step(self) -> bool:
        if self.num_timesteps >= self.next_evaluation:
            self.next_evaluation += EVAL_EVERY
            if isinstance(self.train_env, VecNormalize):
                self.eval_env.obs_rms = self.train_env.obs_rms
            mean_return, _ = evaluate_policy(self.model, self.eval_env, n_eval_episodes=10)
            self.evaluations.append(round(float(mean_return)))
            self.evaluation_steps = 0
            if self.model.use_sde:
                self.model.policy.reset_noise(self.eval_env.num_envs)
            mean_return, _ = evaluate_policy(
                self.model, self.eval_env, n_eval_episodes=10, deterministic=False, callback=self._resample_noise
            )
            self.sampled_evaluations.append(round(float(mean_return)))
        return True

    def _resample_noise(self, locals_: dict, globals_: dict) -> None:
        """
        ``evaluate_policy``'s per-step callback: with gSDE, draw a new noise matrix every ``sde_sample_freq`` steps, as
        the training rollouts do (``evaluate_policy`` alone keeps the last rollout's matrix for every episode).
        """
        self.evaluation_steps += 1
        if self.model.use_sde and self.model.sde_sample_freq > 0 and self.evaluation_steps % self.model.sde_sample_freq == 0:
            self.model.policy.reset_noise(self.eval_env.num_envs)


def main() -> None:
    th.set_num_threads(1)
    seed, kwargs = int(sys.argv[1]), json.loads(sys.argv[2])
    budget = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    env_id, n_envs = kwargs.pop("env", "CartPoleNoVel-v1"), kwargs.pop("n_envs", 8)
    for key in ("learning_rate", "ent_coef"):
        value = kwargs.get(key)
        if isinstance(value, str) and value.startswith("lin_"):
            kwargs[key] = LinearSchedule(float(value[4:]), 0.0, 1.0)
    learning_rate = kwargs.pop("learning_rate", 3e-3)
    policy_kwargs = kwargs.pop("policy_kwargs", {})
    if "activation_fn" in policy_kwargs:
        policy_kwargs["activation_fn"] = getattr(th.nn, policy_kwargs["activation_fn"])
    env = make_vec_env(env_id, n_envs=n_envs, seed=seed)
    eval_env = make_vec_env(env_id, n_envs=1, seed=seed + 1000)
    norm_reward = kwargs.pop("norm_reward", False)
    if kwargs.pop("normalize", False):
        env = VecNormalize(env, norm_reward=norm_reward)
        eval_env = VecNormalize(eval_env, norm_reward=False, training=False)
    callbacks: list[BaseCallback] = []
    if "freeze_normalization_after" in kwargs:
        callbacks.append(FreezeVecNormalizeCallback(kwargs.pop("freeze_normalization_after")))
    model = RecurrentREINFORCE(
        "MlpLstmPolicy", env, learning_rate=learning_rate, policy_kwargs=policy_kwargs, seed=seed, **kwargs
    )
    callback = PeriodicEvaluation(eval_env, env)
    start = time.time()
    # The evaluation last, so that it sees the statistics frozen on the step they freeze
    model.learn(budget, callback=[*callbacks, callback])
    print(seed, json.dumps(callback.evaluations), f"{time.time() - start:.0f}s", flush=True)
    print(seed, "sampled", json.dumps(callback.sampled_evaluations), flush=True)


if __name__ == "__main__":
    main()
