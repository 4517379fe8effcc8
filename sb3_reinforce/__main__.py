"""
Train REINFORCE on a Gymnasium env, with a progress bar, then print its evaluation.

    python -m sb3_reinforce                      # CartPole-v1, 8 envs, 100k steps
    python -m sb3_reinforce --env Acrobot-v1 --timesteps 300000 --save reinforce_acrobot
    python -m sb3_reinforce --env ALE/Pong-v5    # Atari (pip install -e ".[atari]"): SB3's Atari wrappers, CnnPolicy

Torch runs on --threads threads (default: the count that is fast for the policy, 1 for an MLP; see
``sb3_reinforce.utils.default_num_threads``).
"""

import argparse
import sys
import time

import gymnasium as gym
import torch as th
from stable_baselines3.common.env_util import make_atari_env, make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.vec_env import VecEnv, VecFrameStack

from sb3_reinforce import REINFORCE
from sb3_reinforce.utils import default_num_threads, missing_env_extra


class EnvError(Exception):
    """An env id that cannot be made, with a one-line message for the user."""


def is_atari(env_id: str) -> bool:
    """
    Whether ``env_id`` is an ALE game (as the RL Zoo tells: its entry point is ale_py's ``AtariEnv``). The ALE's ids
    (``ALE/Pong-v5``) are registered here, by importing ale-py, as the RL Zoo's ``import_envs`` does.

    :param env_id: A Gymnasium env id
    :return: Whether it is an Atari game
    :raises EnvError: If the id is in the ALE namespace and ale-py is not installed, or the id is unknown
    """
    try:
        import ale_py

        gym.register_envs(ale_py)
    except ImportError as e:
        missing = missing_env_extra(env_id)  # the atari extra, for an ALE/ id
        if missing is not None:
            raise EnvError(missing) from e
    try:
        return "AtariEnv" in str(gym.spec(env_id).entry_point)
    except gym.error.Error as e:
        # An unknown env id or version: gymnasium's one-line message ("Did you mean: ...")
        raise EnvError(str(e)) from e


def make_env(env_id: str, n_envs: int, seed: int, atari: bool) -> VecEnv:
    """
    The training (or evaluation) envs: ``make_vec_env``, or for an Atari game SB3's ``make_atari_env`` (AtariWrapper:
    84x84 grey frames, 4 frames per step, a life loss ends an episode) and 4 stacked frames, as the RL Zoo's ``atari``
    entries do.

    :param env_id: A Gymnasium env id
    :param n_envs: How many envs
    :param seed: Their seed
    :param atari: Whether the id is an Atari game (``is_atari``)
    :return: The vectorised env
    """
    if not atari:
        return make_vec_env(env_id, n_envs=n_envs, seed=seed)
    # ALE/*-v5 ids skip 4 frames themselves: AtariWrapper does the skipping (with max-pooling), so the env must not
    frameskip = gym.spec(env_id).kwargs.get("frameskip", 1)
    env_kwargs = {"frameskip": 1} if isinstance(frameskip, int) and frameskip > 1 else None
    return VecFrameStack(make_atari_env(env_id, n_envs=n_envs, seed=seed, env_kwargs=env_kwargs), n_stack=4)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sb3_reinforce", description=__doc__.splitlines()[1])
    parser.add_argument("--env", default="CartPole-v1", help="Gymnasium env id (default: CartPole-v1)")
    parser.add_argument("--n-envs", type=int, default=8, help="parallel envs (default: 8)")
    parser.add_argument("--timesteps", type=int, default=100_000, help="training env steps (default: 100000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--eval-episodes", type=int, default=20, help="deterministic evaluation episodes (default: 20)")
    parser.add_argument("--save", default=None, help="path to save the trained model to (.zip)")
    parser.add_argument("--verbose", type=int, default=0, help="SB3 verbosity: 1 prints the training logs")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads (default: the count that is fast for the policy: 1 for MlpPolicy, "
        "and for CnnPolicy on an Atari game; 0: torch's own default, one per core)",
    )
    args = parser.parse_args(argv)
    if args.n_envs < 1:
        parser.error(f"--n-envs must be >= 1, got {args.n_envs}")
    if args.timesteps < 1:
        parser.error(f"--timesteps must be >= 1, got {args.timesteps}")
    if args.threads is not None and args.threads < 0:
        parser.error(f"--threads must be >= 0 (0: torch's default), got {args.threads}")

    try:
        atari = is_atari(args.env)
        env = make_env(args.env, args.n_envs, args.seed, atari)
    except (EnvError, gym.error.Error) as e:
        # An unknown env id, version or a missing dependency: one line, and where to get what is missing
        print(f"{parser.prog}: error: --env {args.env}: {e}", file=sys.stderr)
        sys.exit(2)
    policy = "CnnPolicy" if atari else "MlpPolicy"
    threads = default_num_threads(policy) if args.threads is None else args.threads
    if threads > 0:
        th.set_num_threads(threads)
    threads = th.get_num_threads()
    print(
        f"Training REINFORCE ({policy}) on {args.n_envs} {args.env} envs for {args.timesteps:,} steps, "
        f"{threads} torch thread{'' if threads == 1 else 's'}"
    )

    model = REINFORCE(policy, env, seed=args.seed, verbose=args.verbose)
    start = time.perf_counter()
    model.learn(args.timesteps, progress_bar=True)
    seconds = time.perf_counter() - start
    print(f"Trained {model.num_timesteps:,} env steps in {seconds:.1f} s ({model.num_timesteps / seconds:,.0f} steps/s)")
    if model.num_timesteps > args.timesteps:
        print(
            f"  ({model.num_timesteps - args.timesteps:,} past --timesteps: the last rollout runs every episode that "
            "joined it to its end, see REINFORCE's n_steps)"
        )
    if args.save:
        model.save(args.save)
        print(f"Saved the model to {args.save}")

    eval_env = make_env(args.env, 1, args.seed + 10_000, atari)
    mean, std = evaluate_policy(model, eval_env, n_eval_episodes=args.eval_episodes, deterministic=True)
    print(f"Evaluation on {args.env} ({args.eval_episodes} deterministic episodes): mean return {mean:.1f} ± {std:.1f}")


if __name__ == "__main__":
    main()
