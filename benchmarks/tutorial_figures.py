"""
The two figures of the tutorial (docs/guide/tutorial.md), from the tutorial's own code:

- ``logit_gradient.png``: for one state, the gradient of -G log pi(a|s) on every logit, for a positive and a negative
  return: every output moves, not only the taken action's;
- ``learning_curves.png``: the tutorial's from-scratch agent beside REINFORCE with the same settings (one episode per
  update, the same network and initialisation, Adam with the same learning rate, the same discount), on CartPole-v1,
  the training return of each episode.

    python benchmarks/tutorial_figures.py [--seeds 3]

The tutorial's blocks are read from the page and run as they are (their seed replaced by each seed), so the figure
shows the page's code.
"""

import argparse
import re
from pathlib import Path

import numpy as np
import torch as th
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
from torch.nn import functional as F

from sb3_reinforce import REINFORCE

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "guide" / "tutorial.md"
IMAGES = REPO / "docs" / "images" / "tutorial"
SMOOTHING = 20  # episodes in the moving average of the curves


def tutorial_training_code(seed: int) -> tuple[str, int]:
    """The page's from-scratch agent: its blocks up to the training loop, seeded with ``seed``; and its episode count."""
    blocks = re.findall(r"<!-- example: tutorial -->\s*```python\n(.*?)```", PAGE.read_text(), re.DOTALL)
    training = next(i for i, block in enumerate(blocks) if "optimizer.step()" in block)
    code = "\n".join(blocks[: training + 1])
    code, n_seeds = re.subn(r"th\.manual_seed\(0\)", f"th.manual_seed({seed})", code)
    code, n_resets = re.subn(r"env\.reset\(seed=0\)", f"env.reset(seed={seed})", code)
    assert n_seeds == n_resets == 1, "the tutorial's training block no longer seeds torch and the env with 0"
    return code, int(re.search(r"^N_EPISODES = (\d+)$", code, re.MULTILINE).group(1))


class StopAfterEpisodes(BaseCallback):
    """Stop learn() after a number of episodes (all envs together)."""

    def __init__(self, n_episodes: int):
        super().__init__()
        self.n_episodes, self.episodes = n_episodes, 0

    def _on_step(self) -> bool:
        self.episodes += int(self.locals["dones"].sum())
        return self.episodes < self.n_episodes


def library_returns(seed: int, n_episodes: int) -> np.ndarray:
    """The training return of each episode of REINFORCE with the tutorial's settings."""
    env = make_vec_env("CartPole-v1", n_envs=1, seed=seed)
    model = REINFORCE(
        "MlpPolicy",
        env,
        n_steps=1,
        learning_rate=1e-3,
        gamma=0.99,
        normalize_advantage=False,
        max_grad_norm=float("inf"),
        # The tutorial's network as PyTorch initialises it, and Adam with PyTorch's defaults (SB3's: orthogonal
        # initialisation, eps 1e-5)
        policy_kwargs={"net_arch": {"pi": [64, 64], "vf": [64, 64]}, "ortho_init": False, "optimizer_kwargs": {"eps": 1e-8}},
        seed=seed,
    )
    model.learn(10**7, callback=StopAfterEpisodes(n_episodes))
    return np.array(env.envs[0].get_episode_rewards()[:n_episodes])


def smooth(returns: np.ndarray) -> np.ndarray:
    return np.convolve(returns, np.ones(SMOOTHING) / SMOOTHING, mode="valid")


def plot_logit_gradient(path: Path) -> None:
    """d(-G log pi(a|s))/d logits = G (pi(.|s) - onehot(a)), by autograd, for the policy gradient page's example."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(7.5, 3), sharey=True)
    for ax, G in zip(axes, (2.0, -2.0), strict=True):
        logits = th.tensor([1.0, 0.5, -1.0], requires_grad=True)
        (G * F.cross_entropy(logits, th.tensor(1))).backward()
        colours = ["tab:grey", "tab:blue", "tab:grey"]
        ax.bar(["logit 0", "logit 1\n(taken)", "logit 2"], logits.grad.numpy(), color=colours)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_title(f"G = {G:+.0f}: a step moves every logit")
    axes[0].set_ylabel("gradient of the loss")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 for each agent")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    th.set_num_threads(1)
    IMAGES.mkdir(parents=True, exist_ok=True)
    plot_logit_gradient(IMAGES / "logit_gradient.png")

    curves: dict[str, list[np.ndarray]] = {"the tutorial's agent": [], "sb3-reinforce's REINFORCE": []}
    for seed in range(args.seeds):
        code, n_episodes = tutorial_training_code(seed)
        namespace: dict = {"__name__": "tutorial"}
        exec(compile(code, str(PAGE), "exec"), namespace)
        curves["the tutorial's agent"].append(np.array(namespace["episode_returns"]))
        curves["sb3-reinforce's REINFORCE"].append(library_returns(seed, n_episodes))
        print(f"seed {seed}: last 100 episodes {[round(float(np.mean(c[-1][-100:]))) for c in curves.values()]}", flush=True)

    fig, ax = plt.subplots(figsize=(6, 4))
    for label, runs in curves.items():
        smoothed = np.stack([smooth(run) for run in runs])
        episodes = np.arange(SMOOTHING, SMOOTHING + smoothed.shape[1])
        ax.plot(episodes, smoothed.mean(0), label=f"{label} ({len(runs)} seeds)")
        ax.fill_between(episodes, smoothed.min(0), smoothed.max(0), alpha=0.2)
    ax.set_xlabel("episode (one update each)")
    ax.set_ylabel(f"training return ({SMOOTHING}-episode average)")
    ax.set_title("CartPole-v1: the same update, from scratch and from the library")
    ax.legend()
    fig.tight_layout()
    fig.savefig(IMAGES / "learning_curves.png", dpi=90)
    plt.close(fig)
    print(f"wrote {IMAGES}/logit_gradient.png and learning_curves.png")


if __name__ == "__main__":
    main()
