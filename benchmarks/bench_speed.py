"""
Speed benchmark: environment steps per second, 8 envs (DummyVecEnv), n_steps=64, the default 64x64 networks,
on the CPU. Measures, in one run:

On CartPole-v1 (``--suite unmasked``):
- REINFORCE (this package), with the share of its time spent in ``train()``;
- SB3's A2C with the same n_steps and network;
- the floor: actor-only action sampling (SB3's ``policy.get_distribution(obs).get_actions()``) plus
  ``env.step``, no storage, no learning;
- the same floor with this package's sampler (``sb3_reinforce.sampling.sample_actions``, which REINFORCE's
  collection uses: it skips building ``torch.distributions`` objects);
- for reference, SB3's actor-and-critic forward (``policy(obs)``) plus ``env.step``.

With invalid-action masks (``--suite masked``), on sb3-contrib's ``InvalidActionEnvDiscrete(dim=20,
n_invalid_actions=10)`` (the env of its masking tests: 20 actions, 10 of them invalid at each step, 100-step
episodes), each step also asking the envs for their masks (``get_action_masks``):
- MaskableREINFORCE, with the share of its time spent in ``train()``;
- sb3-contrib's MaskablePPO with the same n_steps and network, and one gradient step per rollout
  (``n_epochs=1``, ``batch_size=n_steps * n_envs``), as A2C and REINFORCE;
- the masked floor: the masks, actor-only masked sampling (sb3-contrib's
  ``policy.get_distribution(obs, action_masks).get_actions()``) and ``env.step``;
- the same floor with this package's sampler (``sample_actions(policy, obs, action_masks)``).

With recurrent policies (``--suite recurrent``), on the zoo's ``CartPoleNoVel-v1`` (CartPole with its velocities
hidden), ``MlpLstmPolicy`` with sb3-contrib's default LSTM size (256, an LSTM for the actor and one for the critic):
- RecurrentREINFORCE without a baseline (the critic's LSTM never runs) and with ``baseline="value"`` and
  ``vf_n_epochs=1`` (the critic's LSTM fitted by one pass over the rollout, as RecurrentPPO's one epoch);
- sb3-contrib's RecurrentPPO with one gradient step per rollout (``n_epochs=1``, ``batch_size=n_steps * n_envs``).

Usage: python benchmarks/bench_speed.py [--steps 100000] [--repeats 3] [--threads 1] [--suite all|unmasked|masked|recurrent]
"""

import argparse
import platform
import time

import numpy as np
import torch as th
from sb3_contrib import MaskablePPO, RecurrentPPO
from sb3_contrib.common.envs import InvalidActionEnvDiscrete
from sb3_contrib.common.maskable.utils import get_action_masks
from stable_baselines3 import A2C
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.utils import obs_as_tensor

from sb3_reinforce import REINFORCE, MaskableREINFORCE, RecurrentREINFORCE
from sb3_reinforce.sampling import sample_actions

ENV_ID, N_ENVS, N_STEPS = "CartPole-v1", 8, 64
MASKED_ENV_NAME = "InvalidActionEnvDiscrete(dim=20, n_invalid_actions=10)"
# The recurrent suite: the zoo's velocity-masked CartPole, sb3-contrib's default LSTM size
RECURRENT_ENV_ID, RECURRENT_LSTM_SIZE = "CartPoleNoVel-v1", 256


def make_masked_env() -> InvalidActionEnvDiscrete:
    return InvalidActionEnvDiscrete(dim=20, n_invalid_actions=10)


def time_learn(algo: type, steps: int, seed: int, env_id=ENV_ID, policy: str = "MlpPolicy", **kwargs) -> tuple[float, float]:
    """Steps per second of ``algo.learn(steps)``, and the share of the time spent in ``train()``."""
    env = make_vec_env(env_id, n_envs=N_ENVS, seed=seed)
    model = algo(policy, env, n_steps=N_STEPS, seed=seed, device="cpu", **kwargs)
    train_time = 0.0
    train = model.train

    def timed_train() -> None:
        nonlocal train_time
        start = time.perf_counter()
        train()
        train_time += time.perf_counter() - start

    model.train = timed_train
    start = time.perf_counter()
    model.learn(steps)
    elapsed = time.perf_counter() - start
    return model.num_timesteps / elapsed, train_time / elapsed


def time_loop(steps: int, seed: int, sampler: str, masked: bool = False) -> float:
    """
    Steps per second of a bare loop: sample actions from a fresh policy, then ``env.step``. With ``masked``, on the
    masked env with a maskable policy, asking the envs for their masks at each step and sampling with them.

    :param sampler: "sb3" (the policy's distribution; sb3-contrib's masked one when masked), "fast"
        (``sample_actions``) or "actor+critic" (``policy.forward``, unmasked only)
    """
    algo = MaskableREINFORCE if masked else REINFORCE
    env = make_vec_env(make_masked_env if masked else ENV_ID, n_envs=N_ENVS, seed=seed)
    policy = algo("MlpPolicy", env, n_steps=N_STEPS, seed=seed, device="cpu").policy
    policy.set_training_mode(False)
    obs = env.reset()
    start = time.perf_counter()
    for _ in range(steps // N_ENVS):
        action_masks = get_action_masks(env) if masked else None
        mask_kwargs = {"action_masks": action_masks} if masked else {}
        with th.no_grad():
            obs_tensor = obs_as_tensor(obs, policy.device)
            if sampler == "sb3":
                actions = policy.get_distribution(obs_tensor, **mask_kwargs).get_actions()
            elif sampler == "fast":
                actions = sample_actions(policy, obs_tensor, action_masks)
            else:
                actions, _, _ = policy(obs_tensor)
        obs, _, _, _ = env.step(actions.cpu().numpy())
    return steps / (time.perf_counter() - start)


def run_unmasked(args: argparse.Namespace) -> None:
    names = ["REINFORCE", "REINFORCE train share", "A2C", "floor", "floor (fast sampler)", "actor+critic"]
    results: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(args.repeats):  # interleaved, so that drifts in machine load hit every entry alike
        fps, share = time_learn(REINFORCE, args.steps, seed=repeat)
        results["REINFORCE"].append(fps)
        results["REINFORCE train share"].append(share)
        results["A2C"].append(time_learn(A2C, args.steps, seed=repeat)[0])
        results["floor"].append(time_loop(args.steps, seed=repeat, sampler="sb3"))
        results["floor (fast sampler)"].append(time_loop(args.steps, seed=repeat, sampler="fast"))
        results["actor+critic"].append(time_loop(args.steps, seed=repeat, sampler="actor+critic"))

    median = {name: float(np.median(values)) for name, values in results.items()}
    print(f"# {ENV_ID}, {N_ENVS} envs, n_steps={N_STEPS}, {args.steps} steps x {args.repeats} repeats (median),")
    print(f"# torch {th.__version__}, {args.threads} thread(s), {platform.processor() or platform.machine()}")
    print("| measurement | env steps/s |")
    print("|---|---|")
    for name in ("REINFORCE", "A2C", "actor+critic", "floor", "floor (fast sampler)"):
        print(f"| {name} | {median[name]:,.0f} |")
    print()
    print(f"REINFORCE / A2C:   {median['REINFORCE'] / median['A2C']:.2f}x")
    print(f"REINFORCE / floor: {median['REINFORCE'] / median['floor']:.0%}")
    print(f"REINFORCE / floor (fast sampler): {median['REINFORCE'] / median['floor (fast sampler)']:.0%}")
    print(f"REINFORCE time in train(): {median['REINFORCE train share']:.1%}")


def run_masked(args: argparse.Namespace) -> None:
    names = ["MaskableREINFORCE", "MaskableREINFORCE train share", "MaskablePPO", "MaskablePPO train share"]
    names += ["masked floor", "masked floor (fast sampler)"]
    results: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(args.repeats):  # interleaved, as above
        fps, share = time_learn(MaskableREINFORCE, args.steps, seed=repeat, env_id=make_masked_env)
        results["MaskableREINFORCE"].append(fps)
        results["MaskableREINFORCE train share"].append(share)
        # One gradient step per rollout, as A2C and REINFORCE
        fps, share = time_learn(
            MaskablePPO, args.steps, seed=repeat, env_id=make_masked_env, n_epochs=1, batch_size=N_STEPS * N_ENVS
        )
        results["MaskablePPO"].append(fps)
        results["MaskablePPO train share"].append(share)
        results["masked floor"].append(time_loop(args.steps, seed=repeat, sampler="sb3", masked=True))
        results["masked floor (fast sampler)"].append(time_loop(args.steps, seed=repeat, sampler="fast", masked=True))

    median = {name: float(np.median(values)) for name, values in results.items()}
    print(f"# {MASKED_ENV_NAME}, {N_ENVS} envs, n_steps={N_STEPS}, {args.steps} steps x {args.repeats} repeats (median),")
    print(f"# torch {th.__version__}, {args.threads} thread(s), {platform.processor() or platform.machine()}")
    print("| measurement | env steps/s |")
    print("|---|---|")
    for name in ("MaskableREINFORCE", "MaskablePPO", "masked floor", "masked floor (fast sampler)"):
        print(f"| {name} | {median[name]:,.0f} |")
    print()
    print(f"MaskableREINFORCE / MaskablePPO:  {median['MaskableREINFORCE'] / median['MaskablePPO']:.2f}x")
    print(f"MaskableREINFORCE / masked floor: {median['MaskableREINFORCE'] / median['masked floor']:.0%}")
    fast_floor = median["masked floor (fast sampler)"]
    print(f"MaskableREINFORCE / masked floor (fast sampler): {median['MaskableREINFORCE'] / fast_floor:.0%}")
    print(f"MaskableREINFORCE time in train(): {median['MaskableREINFORCE train share']:.1%}")
    print(f"MaskablePPO time in train(): {median['MaskablePPO train share']:.1%}")


def run_recurrent(args: argparse.Namespace) -> None:
    import rl_zoo3.import_envs  # noqa: F401  (registers the zoo's velocity-masked envs)

    names = ["RecurrentREINFORCE", "RecurrentREINFORCE train share", "RecurrentREINFORCE (value)"]
    names += ["RecurrentREINFORCE (value) train share", "RecurrentPPO", "RecurrentPPO train share"]
    results: dict[str, list[float]] = {name: [] for name in names}
    lstm = {"policy": "MlpLstmPolicy", "policy_kwargs": {"lstm_hidden_size": RECURRENT_LSTM_SIZE}}
    for repeat in range(args.repeats):  # interleaved, as above
        for name, algo, kwargs in (
            ("RecurrentREINFORCE", RecurrentREINFORCE, {}),
            # The critic's LSTM fitted once over the rollout, as RecurrentPPO's one epoch
            ("RecurrentREINFORCE (value)", RecurrentREINFORCE, {"baseline": "value", "vf_n_epochs": 1}),
            # One gradient step per rollout, as REINFORCE
            ("RecurrentPPO", RecurrentPPO, {"n_epochs": 1, "batch_size": N_STEPS * N_ENVS}),
        ):
            fps, share = time_learn(algo, args.steps, seed=repeat, env_id=RECURRENT_ENV_ID, **lstm, **kwargs)
            results[name].append(fps)
            results[f"{name} train share"].append(share)

    median = {name: float(np.median(values)) for name, values in results.items()}
    print(f"# {RECURRENT_ENV_ID}, {N_ENVS} envs, n_steps={N_STEPS}, LSTM {RECURRENT_LSTM_SIZE} (actor and critic),")
    print(f"# {args.steps} steps x {args.repeats} repeats (median), torch {th.__version__}, {args.threads} thread(s)")
    print("| measurement | env steps/s | time in train() |")
    print("|---|---|---|")
    for name in ("RecurrentREINFORCE", "RecurrentREINFORCE (value)", "RecurrentPPO"):
        print(f"| {name} | {median[name]:,.0f} | {median[name + ' train share']:.0%} |")
    print()
    print(f"RecurrentREINFORCE / RecurrentPPO: {median['RecurrentREINFORCE'] / median['RecurrentPPO']:.2f}x")
    print(f"RecurrentREINFORCE (value) / RecurrentPPO: {median['RecurrentREINFORCE (value)'] / median['RecurrentPPO']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=100_000, help="environment steps per measurement")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per entry (the median is reported)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (th.set_num_threads)")
    parser.add_argument(
        "--suite", choices=["all", "unmasked", "masked", "recurrent"], default="all", help="which entries to measure"
    )
    args = parser.parse_args()
    th.set_num_threads(args.threads)
    if args.suite in ("all", "unmasked"):
        run_unmasked(args)
    if args.suite == "all":
        print()
    if args.suite in ("all", "masked"):
        run_masked(args)
    if args.suite == "all":
        print()
    if args.suite in ("all", "recurrent"):
        run_recurrent(args)


if __name__ == "__main__":
    main()
