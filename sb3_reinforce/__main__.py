"""
Train REINFORCE on a Gymnasium env, with a progress bar, then print its evaluation.

    python -m sb3_reinforce                      # CartPole-v1, 8 envs, 100k steps
    python -m sb3_reinforce --env Acrobot-v1 --timesteps 300000 --save reinforce_acrobot
"""

import argparse
import sys

import gymnasium as gym
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy

from sb3_reinforce import REINFORCE


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sb3_reinforce", description=__doc__.splitlines()[1])
    parser.add_argument("--env", default="CartPole-v1", help="Gymnasium env id (default: CartPole-v1)")
    parser.add_argument("--n-envs", type=int, default=8, help="parallel envs (default: 8)")
    parser.add_argument("--timesteps", type=int, default=100_000, help="training env steps (default: 100000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--eval-episodes", type=int, default=20, help="deterministic evaluation episodes (default: 20)")
    parser.add_argument("--save", default=None, help="path to save the trained model to (.zip)")
    parser.add_argument("--verbose", type=int, default=0, help="SB3 verbosity: 1 prints the training logs")
    args = parser.parse_args(argv)
    if args.n_envs < 1:
        parser.error(f"--n-envs must be >= 1, got {args.n_envs}")
    if args.timesteps < 1:
        parser.error(f"--timesteps must be >= 1, got {args.timesteps}")

    try:
        env = make_vec_env(args.env, n_envs=args.n_envs, seed=args.seed)
    except gym.error.Error as e:
        # An unknown env id, version or a missing dependency: gymnasium's one-line message ("Did you mean: ...")
        print(f"{parser.prog}: error: --env {args.env}: {e}", file=sys.stderr)
        sys.exit(2)
    model = REINFORCE("MlpPolicy", env, seed=args.seed, verbose=args.verbose)
    model.learn(args.timesteps, progress_bar=True)
    if args.save:
        model.save(args.save)
        print(f"Saved the model to {args.save}")

    eval_env = make_vec_env(args.env, n_envs=1, seed=args.seed + 10_000)
    mean, std = evaluate_policy(model, eval_env, n_eval_episodes=args.eval_episodes, deterministic=True)
    print(f"Evaluation on {args.env} ({args.eval_episodes} deterministic episodes): mean return {mean:.1f} ± {std:.1f}")


if __name__ == "__main__":
    main()
