"""
Why a LunarLander-v3 run misses 200: its deterministic policy against its stochastic one.

For each zoo log folder of a REINFORCE run (``python -m sb3_reinforce.zoo train --algo reinforce --env
LunarLander-v3 --seed S --eval-freq 5000 --eval-episodes 10 -f logs/`` makes ``logs/reinforce/LunarLander-v3_1``),
print over the run's last ``--window`` steps:

- the evaluations during training (``evaluations.npz``: deterministic, 10 episodes each): mean return, and the share
  of episodes that hover until the 1000-step limit;
- the training episodes (``0.monitor.csv``: the stochastic policy that the update follows): the same, and the share
  scoring 200 or more;

and, for the final model (``LunarLander-v3.zip``, or ``final.zip``), ``--episodes`` fresh episodes of each policy on
the same env seeds, deterministic (the mode of each action distribution, as the benchmark evaluates) and stochastic
(actions sampled, as in training).

    python benchmarks/lunarlander_hover.py logs/reinforce/LunarLander-v3_1 [more folders] --episodes 100
"""

import argparse
from pathlib import Path

import gymnasium as gym
import numpy as np
import pandas as pd

from sb3_reinforce import REINFORCE

HOVER_LENGTH = 1000  # LunarLander-v3's time limit


def training_stats(folder: Path, window: int) -> dict[str, float]:
    """The last ``window`` steps' evaluations (deterministic) and training episodes (stochastic)."""
    evaluations = np.load(folder / "evaluations.npz")
    monitor = pd.read_csv(folder / "0.monitor.csv", skiprows=1)
    end = monitor["l"].sum()
    recent = monitor[monitor["l"].cumsum() > end - window]
    chosen = evaluations["timesteps"] > evaluations["timesteps"][-1] - window
    return {
        "steps": float(end),
        "eval_return": float(evaluations["results"][chosen].mean()),
        "eval_hover": float((evaluations["ep_lengths"][chosen] >= HOVER_LENGTH).mean()),
        "train_episodes": float(len(recent)),
        "train_return": float(recent["r"].mean()),
        "train_hover": float((recent["l"] >= HOVER_LENGTH).mean()),
        "train_200": float((recent["r"] >= 200).mean()),
    }


def rollouts(model: REINFORCE, episodes: int, deterministic: bool, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """
    Returns and lengths of ``episodes`` episodes on env seeds ``seed``, ``seed + 1``, ... (SB3's ``evaluate_policy``
    seeds its env once, and LunarLander's engines draw from the env's generator, so the two modes would then see
    different landers after the first episode).
    """
    env = gym.make("LunarLander-v3")
    returns, lengths = np.zeros(episodes), np.zeros(episodes, dtype=int)
    for episode in range(episodes):
        obs, _ = env.reset(seed=seed + episode)
        done = False
        while not done:
            action, _ = model.predict(obs, deterministic=deterministic)
            obs, reward, terminated, truncated, _ = env.step(action)
            returns[episode] += reward
            lengths[episode] += 1
            done = terminated or truncated
    env.close()
    return returns, lengths


def final_model(folder: Path) -> Path | None:
    """The run's final model: the zoo's ``LunarLander-v3.zip``, or ``final.zip`` where it was copied under that name."""
    for name in ("LunarLander-v3.zip", "final.zip"):
        if (folder / name).exists():
            return folder / name
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="zoo log folders (reinforce/LunarLander-v3_N)")
    parser.add_argument("--window", type=int, default=100_000, help="the last steps of the run to summarise")
    parser.add_argument("--episodes", type=int, default=100, help="fresh episodes of the final model, per mode")
    parser.add_argument("--seed", type=int, default=10_000, help="the first env seed of the fresh episodes")
    args = parser.parse_args()
    print(
        "| run | steps | evaluations: return, hovering | training episodes: n, return, hovering, >= 200 | final model, "
        "deterministic: return, hovering, >= 200 | final model, stochastic: return, hovering, >= 200 |"
    )
    print("|---" * 6 + "|")
    for folder in args.folders:
        stats = training_stats(folder, args.window)
        cells = [
            str(folder),
            f"{stats['steps']:,.0f}",
            f"{stats['eval_return']:.1f}, {stats['eval_hover']:.0%}",
            f"{stats['train_episodes']:.0f}, {stats['train_return']:.1f}, {stats['train_hover']:.0%}, "
            f"{stats['train_200']:.0%}",
        ]
        path = final_model(folder)
        if path is None:
            cells += ["no final model", "no final model"]
        else:
            model = REINFORCE.load(path, device="cpu")
            for deterministic in (True, False):
                returns, lengths = rollouts(model, args.episodes, deterministic, args.seed)
                cells.append(f"{returns.mean():.1f}, {(lengths >= HOVER_LENGTH).mean():.0%}, {(returns >= 200).mean():.0%}")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
