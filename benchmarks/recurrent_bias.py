"""
RecurrentREINFORCE's update against the exact policy gradient on ``BlankCueMDP`` (``tests/envs.py``): a cue seen at
t = 0 must be recalled at the last step of an episode of unobserved length 2, 3 or 4.

The estimator is the library's: ``RecurrentREINFORCE("MlpLstmPolicy", n_steps=2, gamma=1, normalize_advantage=False,
lstm_hidden_size=4, SGD)``, each rollout collected by ``collect_rollouts`` and trained on by ``train()``, whose
optimiser step is replaced by a recorder of the negated ``.grad`` of the actor (its LSTM and action head): the policy
stays frozen and every update is one sample. The exact gradient enumerates the 6 (cue, length) cases, the policy run
step by step through ``get_distribution`` (the observations do not depend on the actions), in float64.

Why the statistics below, and not only the root-mean-square z over the components:

- Each episode's contribution, sum_t G_t grad log pi_t(a_t), depends on its cue and actions only (the policy at step t
  depends on the cue and t, the observations after t = 0 being blank): 56 "cells" (cue, actions), whose probabilities
  P and contributions f are computed exactly. So the update's mean and covariance are known: with N = n_envs episodes
  per rollout (every episode lasts at least n_steps = 2 steps, so each env's first episode is the only one to join)
  and C = n_steps * n_envs, E[update] = (n_envs / C) grad J and Cov[update] = n_envs Cov_P[f] / C^2.
- The 146 gradient components are not independent: every f lies in the span of the 8 vectors grad logit-difference
  at (cue, t), so the root-mean-square z has the null distribution of a few degrees of freedom, not of 146. Its
  quantiles are simulated here (a perfect sampler: multinomial counts of the cells). Hotelling's T^2 of the mean
  against its known expectation, on the covariance's rank, is the exact test.
- The episodes themselves are tested against P: chi-square of the (cue, length) draws, of the actions given (cue, t),
  and of the cells. With the library's update equal to the hand-written one on the same episodes (checked update by
  update), the update's mean is sum_cells (counts / n) f exactly, so any deviation from the exact gradient is a
  deviation of these counts.

Usage:
    python benchmarks/recurrent_bias.py table                  # the configurations of the deviation's report
    python benchmarks/recurrent_bias.py run --seed 5 --envs 4 --updates 15000 --checkpoints 2500 7500 15000
    python benchmarks/recurrent_bias.py run --seed 5 --envs 4 --updates 7500 --streams 7   # re-seeded after building
    python benchmarks/recurrent_bias.py montecarlo --seed 5 --episodes 1000000  # a hand-written REINFORCE
    python benchmarks/recurrent_bias.py independence --seed 5 --envs 4 --updates 60000  # the episodes' independence
"""

import argparse
import copy
import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch as th
from scipy import stats
from stable_baselines3.common.env_util import make_vec_env

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sb3_contrib.common.recurrent.policies import RecurrentActorCriticPolicy

from sb3_reinforce import RecurrentREINFORCE
from sb3_reinforce.buffers import ReinforceRolloutBufferSamples
from tests.envs import BlankCueMDP

N_STEPS = 2
# Every (cue, actions) an episode can have; its length is len(actions)
CELLS = [
    (cue, actions) for cue in (0, 1) for length in BlankCueMDP.LENGTHS for actions in itertools.product((0, 1), repeat=length)
]
N_CASES = 2 * len(BlankCueMDP.LENGTHS)


def make_model(seed: int, n_envs: int, streams: int | None = None) -> RecurrentREINFORCE:
    """The estimator, its policy initialised by ``seed``; ``streams``: every random stream re-seeded after building."""
    model = RecurrentREINFORCE(
        "MlpLstmPolicy",
        make_vec_env(BlankCueMDP, n_envs=n_envs),
        n_steps=N_STEPS,
        gamma=1.0,
        ent_coef=0.0,
        max_grad_norm=1e9,
        normalize_advantage=False,
        policy_kwargs=dict(
            lstm_hidden_size=4, enable_critic_lstm=False, net_arch=dict(pi=[], vf=[8]), optimizer_class=th.optim.SGD
        ),
        seed=seed,
        device="cpu",
    )
    if streams is not None:
        model.set_random_seed(streams)
    return model


def actor_params(policy: RecurrentActorCriticPolicy) -> list[th.nn.Parameter]:
    return [*policy.lstm_actor.parameters(), *policy.action_net.parameters()]


def flat(tensors) -> np.ndarray:
    return th.cat([t.flatten() for t in tensors]).detach().double().numpy()


class ToFloat64(th.nn.Module):
    """The features extractor of a float64 copy of a policy (SB3's preprocessing makes float32 observations)."""

    def forward(self, observations: th.Tensor) -> th.Tensor:
        return observations.flatten(1).double()


def float64_copy(policy: RecurrentActorCriticPolicy) -> RecurrentActorCriticPolicy:
    """A float64 copy of the policy, for the reference computations."""
    policy = copy.deepcopy(policy).double()
    policy.pi_features_extractor = ToFloat64()
    return policy


def step_distributions(policy: RecurrentActorCriticPolicy, cue: int, length: int):
    """The policy's distribution at each step of an episode, run step by step with ``get_distribution`` from the
    zero state, as during collection."""
    dtype = policy.lstm_actor.weight_ih_l0.dtype
    zeros = th.zeros(policy.lstm_actor.num_layers, 1, policy.lstm_actor.hidden_size, dtype=dtype)
    states = (zeros, zeros.clone())
    for t in range(length):
        obs = th.as_tensor(BlankCueMDP.observation(cue, length, t), dtype=dtype)[None]
        distribution, states = policy.get_distribution(obs, states, th.tensor([float(t == 0)]))
        yield distribution


def exact_gradient(policy: RecurrentActorCriticPolicy) -> np.ndarray:
    """
    grad J by autograd through the enumeration of the (cue, length) cases:

        J = (1/6) sum_{c, L} [ sum_{t < L-1} MID_REWARD pi_t(MID_ACTION | c) + pi_{L-1}(c | c) ]
    """
    expected_return = th.zeros((), dtype=th.float64)
    for cue in (0, 1):
        for length in BlankCueMDP.LENGTHS:
            for t, distribution in enumerate(step_distributions(policy, cue, length)):
                probs = distribution.distribution.probs[0].double()
                reward = probs[cue] if t == length - 1 else BlankCueMDP.MID_REWARD * probs[BlankCueMDP.MID_ACTION]
                expected_return = expected_return + reward / N_CASES
    return flat(th.autograd.grad(expected_return, actor_params(policy)))


def episode_returns(cue: int, actions: tuple[int, ...]) -> list[float]:
    """G_t of an episode (gamma = 1), from its cue and actions alone."""
    rewards = [BlankCueMDP.MID_REWARD * float(a == BlankCueMDP.MID_ACTION) for a in actions[:-1]]
    rewards.append(float(actions[-1] == cue))
    return [float(sum(rewards[t:])) for t in range(len(actions))]


def episode_gradient(policy: RecurrentActorCriticPolicy, cue: int, actions: tuple[int, ...]) -> np.ndarray:
    """f = sum_t G_t grad log pi_t(a_t) of one episode, written by hand (``step_distributions``)."""
    total = th.zeros((), dtype=policy.lstm_actor.weight_ih_l0.dtype)
    steps = zip(step_distributions(policy, cue, len(actions)), actions, episode_returns(cue, actions), strict=True)
    for distribution, action, ret in steps:
        total = total + ret * distribution.log_prob(th.tensor([action]))[0]
    return flat(th.autograd.grad(total, actor_params(policy)))


def cell_model(policy: RecurrentActorCriticPolicy) -> tuple[np.ndarray, np.ndarray]:
    """P(cell) = (1/6) prod_t pi_t(a_t | c) and f(cell) for every cell, in float64."""
    reference = float64_copy(policy)
    probabilities = []
    for cue, actions in CELLS:
        steps = zip(step_distributions(reference, cue, len(actions)), actions, strict=True)
        probabilities.append(np.prod([float(d.distribution.probs[0, a].detach()) for d, a in steps]) / N_CASES)
    gradients = np.array([episode_gradient(reference, cue, actions) for cue, actions in CELLS])
    return np.array(probabilities), gradients


def rollout_episodes(rollout: ReinforceRolloutBufferSamples) -> list[tuple[int, int, tuple[int, ...]]]:
    """(env, cue, actions) of every episode of a rollout's trainable samples, read from its observations."""
    steps = rollout.episode_steps.numpy()
    episodes = []
    for start, end in itertools.pairwise([*np.flatnonzero(steps == 0), len(steps)]):
        observations = rollout.observations[start:end].numpy()
        cue = int(observations[0].argmax())
        assert cue in (0, 1) and np.all(observations[1:, 2] == 1.0), observations
        actions = tuple(int(a) for a in rollout.actions[start:end].flatten())
        episodes.append((int(rollout.env_indices[start]), cue, actions))
    return episodes


def record_updates(
    model: RecurrentREINFORCE, n_updates: int, on_rollout: Callable[[ReinforceRolloutBufferSamples], None]
) -> np.ndarray:
    """
    ``n_updates`` rollouts, each collected (``collect_rollouts``) and trained on (``train()``) by the library, the
    optimiser's step replaced by a recorder: the policy stays frozen. ``on_rollout`` sees each rollout's samples.

    :return: The negated gradients of the actor's parameters, shape (n_updates, n_params)
    """
    params = actor_params(model.policy)
    updates: list[np.ndarray] = []
    model.policy.optimizer.step = lambda *args, **kwargs: updates.append(-flat(p.grad for p in params))  # type: ignore[method-assign]
    _, callback = model._setup_learn(10**12, None)
    for _ in range(n_updates):
        assert model.collect_rollouts(model.env, callback, model.rollout_buffer, model.n_steps)
        on_rollout(next(model.rollout_buffer.get()))
        model.train()
    return np.array(updates)


def fitted_scale_z(updates: np.ndarray, exact: np.ndarray) -> tuple[float, np.ndarray]:
    """
    The measure of the deviation's report: c fitted by least squares weighted by 1 / SE^2, SE = std / sqrt(n), and
    z = (mean - c exact) / SE over the components that get a gradient (the forget gate's weights from the cue inputs
    get none: the cell state is 0 when the cue is seen).
    """
    mean = updates.mean(0)
    std_error = updates.std(0, ddof=1) / np.sqrt(len(updates))
    visited = std_error > 0
    assert np.all(mean[~visited] == 0) and np.allclose(exact[~visited], 0, atol=1e-15)
    mean, exact, std_error = mean[visited], exact[visited], std_error[visited]
    weights = 1.0 / std_error**2
    scale = float((weights * mean * exact).sum() / (weights * exact**2).sum())
    return scale, (mean - scale * exact) / std_error


def rms(z: np.ndarray) -> float:
    return float(np.sqrt((z**2).mean()))


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


class UpdateModel:
    """
    The exact distribution of one update under a perfect sampler: mean (n_envs / C) sum P f, covariance
    n_envs Cov_P[f] / C^2 (C = n_steps * n_envs), and its eigenbasis on the covariance's range.

    :param probabilities: P of each cell
    :param gradients: f of each cell
    :param n_envs: Episodes per rollout
    :param loss_scale: C
    """

    def __init__(self, probabilities: np.ndarray, gradients: np.ndarray, n_envs: int, loss_scale: int):
        self.probabilities, self.gradients, self.n_envs, self.loss_scale = probabilities, gradients, n_envs, loss_scale
        episode_mean = probabilities @ gradients
        episode_cov = (gradients.T * probabilities) @ gradients - np.outer(episode_mean, episode_mean)
        self.mean = n_envs * episode_mean / loss_scale
        self.covariance = n_envs * episode_cov / loss_scale**2
        eigenvalues, eigenvectors = np.linalg.eigh(self.covariance)
        kept = eigenvalues > 1e-10 * eigenvalues.max()
        self.eigenvalues, self.eigenvectors = eigenvalues[kept], eigenvectors[:, kept]
        self.std_error_1 = np.sqrt(np.diag(self.covariance))

    @property
    def rank(self) -> int:
        return len(self.eigenvalues)

    def hotelling(self, mean: np.ndarray, n_updates: int) -> tuple[float, float]:
        """T^2 = n (mean - E)' Cov^+ (mean - E) on the covariance's range, and its p-value (chi-square, rank dof)."""
        projection = self.eigenvectors.T @ (mean - self.mean)
        t2 = float(n_updates * (projection**2 / self.eigenvalues).sum())
        return t2, float(stats.chi2.sf(t2, self.rank))

    def null_z_rms(self, exact: np.ndarray, n_updates: int, replicates: int = 4000, seed: int = 0) -> np.ndarray:
        """The measure of ``fitted_scale_z`` under a perfect sampler (multinomial counts of the cells), replicated."""
        rng = np.random.default_rng(seed)
        visited = self.std_error_1 > 0
        std_error = self.std_error_1[visited] / np.sqrt(n_updates)
        weights = 1.0 / std_error**2
        exact = exact[visited]
        counts = rng.multinomial(n_updates * self.n_envs, self.probabilities, size=replicates)
        means = (counts @ self.gradients[:, visited]) / (self.loss_scale * n_updates)
        scales = (means * exact * weights).sum(1) / (weights * exact**2).sum()
        z = (means - scales[:, None] * exact) / std_error
        return np.sqrt((z**2).mean(1))


def chi_square_p(observed: np.ndarray, probabilities: np.ndarray) -> tuple[float, int, float]:
    expected = observed.sum() * probabilities / probabilities.sum()
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    return chi2, len(observed) - 1, float(stats.chi2.sf(chi2, len(observed) - 1))


def episode_tests(counts: np.ndarray, probabilities: np.ndarray) -> dict[str, tuple[float, int, float]]:
    """Chi-square tests of the episodes (counts per cell) against P: the env's draws (cue, length), the actions
    given (cue, t) (a sum over the 8 contexts), and the cells."""
    cases = sorted({(cue, len(actions)) for cue, actions in CELLS})
    by_case = np.array([sum(n for n, (c, a) in zip(counts, CELLS, strict=True) if (c, len(a)) == case) for case in cases])
    action_chi2, action_dof = 0.0, 0
    for cue, t in itertools.product((0, 1), range(max(BlankCueMDP.LENGTHS))):
        observed, expected = np.zeros(2), np.zeros(2)
        for n, p, (c, actions) in zip(counts, probabilities, CELLS, strict=True):
            if c == cue and len(actions) > t:
                observed[actions[t]] += n
                expected[actions[t]] += p
        chi2, dof, _ = chi_square_p(observed, expected)
        action_chi2, action_dof = action_chi2 + chi2, action_dof + dof
    return {
        "cue, length": chi_square_p(by_case, np.ones(len(cases))),
        "actions | cue, t": (action_chi2, action_dof, float(stats.chi2.sf(action_chi2, action_dof))),
        "cells": chi_square_p(counts, probabilities),
    }


def run(seed: int, n_envs: int, n_updates: int, streams: int | None = None, checkpoints=None) -> list[dict]:
    """The library's updates against the exact gradient, with the checks and tests of the module's docstring."""
    model = make_model(seed, n_envs, streams)
    loss_scale = model.n_steps * model.n_envs
    exact = exact_gradient(float64_copy(model.policy))
    probabilities, gradients = cell_model(model.policy)
    assert np.abs(probabilities.sum() - 1) < 1e-12 and np.allclose(probabilities @ gradients, exact, rtol=0, atol=1e-13)
    update_model = UpdateModel(probabilities, gradients, n_envs, loss_scale)
    # The hand-written update of each rollout, in the library's float32, to compare with the library's own
    by_hand_gradients = {cell: episode_gradient(model.policy, *cell) for cell in CELLS}
    index = {cell: i for i, cell in enumerate(CELLS)}
    counts = np.zeros((n_updates, len(CELLS)), dtype=np.int32)
    by_hand: list[np.ndarray] = []

    def on_rollout(rollout: ReinforceRolloutBufferSamples) -> None:
        episodes = rollout_episodes(rollout)
        assert sorted(env for env, _, _ in episodes) == list(range(n_envs)), "one episode per env joins"
        for _, cue, actions in episodes:
            counts[len(by_hand), index[cue, actions]] += 1
        by_hand.append(sum(by_hand_gradients[cue, actions] for _, cue, actions in episodes) / loss_scale)

    start = time.perf_counter()
    updates = record_updates(model, n_updates, on_rollout)
    seconds = time.perf_counter() - start
    # Relative to the largest component of each update (float32 rounding: ~1e-7 of the episodes' terms)
    difference = np.abs(updates - np.array(by_hand)).max(1) / np.maximum(np.abs(np.array(by_hand)).max(1), 1e-30)
    rows = []
    for n in checkpoints or [n_updates]:
        scale, z = fitted_scale_z(updates[:n], exact)
        null = update_model.null_z_rms(exact, n)
        t2, t2_p = update_model.hotelling(updates[:n].mean(0), n)
        tests = episode_tests(counts[:n].sum(0), probabilities)
        rows.append(
            dict(
                seed=seed,
                streams=streams,
                envs=n_envs,
                updates=n,
                by_hand=float(difference[:n].max()),
                cosine=cosine(updates[:n].mean(0), exact),
                c=scale,
                c_expected=n_envs / loss_scale,
                z_rms=rms(z),
                z_max=float(np.abs(z).max()),
                z_rms_p=float((null >= rms(z)).mean()),
                t2=t2,
                rank=update_model.rank,
                t2_p=t2_p,
                tests=tests,
                seconds=seconds * n / n_updates,
            )
        )
    return rows


HEADER = (
    "| seed | streams | envs | updates | library vs by hand | cosine | c (expected) | z-RMS (fit c) | P(null >=) "
    "| T^2 (rank) | p | chi-square p: (cue, length) / actions / cells |\n" + "|---" * 12 + "|"
)


def print_row(row: dict) -> None:
    streams = "-" if row["streams"] is None else row["streams"]
    tests = " / ".join(f"{p:.3f}" for _, _, p in row["tests"].values())
    print(
        f"| {row['seed']} | {streams} | {row['envs']} | {row['updates']} | {row['by_hand']:.0e} | {row['cosine']:.4f} "
        f"| {row['c']:.4f} ({row['c_expected']:.4f}) | {row['z_rms']:.2f} | {row['z_rms_p']:.4f} "
        f"| {row['t2']:.1f} ({row['rank']}) | {row['t2_p']:.4f} | {tests} |",
        flush=True,
    )


def montecarlo(seed: int, n_episodes: int) -> None:
    """
    A plain REINFORCE written by hand: episodes of the env class itself, actions drawn with numpy from the float64
    policy's probabilities, each episode's contribution f; its average against the enumerated exact gradient.
    """
    policy = float64_copy(make_model(seed, 1).policy)
    exact = exact_gradient(policy)
    probs = {
        (cue, t): d.distribution.probs[0].detach().numpy()
        for cue in (0, 1)
        for t, d in enumerate(step_distributions(policy, cue, max(BlankCueMDP.LENGTHS)))
    }
    gradients = {cell: episode_gradient(policy, *cell) for cell in CELLS}
    rng = np.random.default_rng(seed)
    env = BlankCueMDP()
    env.reset(seed=seed)
    counts = dict.fromkeys(CELLS, 0)
    for _ in range(n_episodes):
        obs, _ = env.reset()
        cue, actions, rewards, done = int(obs.argmax()), [], [], False
        while not done:
            action = int(rng.random() < probs[cue, len(actions)][1])
            obs, reward, done, _, _ = env.step(action)
            actions.append(action)
            rewards.append(reward)
        assert episode_returns(cue, tuple(actions))[0] == sum(rewards)
        counts[cue, tuple(actions)] += 1
    n = np.array([counts[cell] for cell in CELLS], dtype=np.float64)
    f = np.array([gradients[cell] for cell in CELLS])
    mean = n @ f / n_episodes
    std_error = np.sqrt(np.maximum(n @ f**2 / n_episodes - mean**2, 0) / n_episodes)
    visited = std_error > 0
    z = (mean[visited] - exact[visited]) / std_error[visited]
    update_model = UpdateModel(*cell_model(make_model(seed, 1).policy), n_envs=1, loss_scale=1)
    t2, t2_p = update_model.hotelling(mean, n_episodes)
    print(f"hand-written REINFORCE, model seed {seed}, {n_episodes} episodes: cosine {cosine(mean, exact):.5f}")
    print(f"z against the exact gradient: RMS {rms(z):.2f}, max {np.abs(z).max():.2f}")
    print(f"Hotelling T^2 {t2:.1f} on {update_model.rank} dof, p = {t2_p:.3f}")


def sufficient_statistics(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """
    The 8 per-episode statistics the update depends on, m_(c,t) = G_t (1{a_t = 0} - pi_t(0 | c)) for the episode's cue
    c and each t < L (0 elsewhere): with two actions grad log pi_t(a_t) = (1{a_t = 0} - pi_t(0)) g_(c,t), so
    f = sum_t m_(c,t) g_(c,t). Returns them per cell, whitened under P (identity covariance, zero mean), and their
    whitening matrix.
    """
    p0 = {}
    for cue, t in itertools.product((0, 1), range(max(BlankCueMDP.LENGTHS))):
        mask = np.array([c == cue and len(a) > t for c, a in CELLS])
        first = np.array([c == cue and len(a) > t and a[t] == 0 for c, a in CELLS])
        p0[cue, t] = probabilities[first].sum() / probabilities[mask].sum()
    statistics = np.zeros((len(CELLS), 8))
    for k, (cue, actions) in enumerate(CELLS):
        for t, ret in enumerate(episode_returns(cue, actions)):
            statistics[k, 4 * cue + t] = ret * (float(actions[t] == 0) - p0[cue, t])
    mean = probabilities @ statistics
    covariance = (statistics.T * probabilities) @ statistics - np.outer(mean, mean)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    whitening = eigenvectors / np.sqrt(eigenvalues)
    return (statistics - mean) @ whitening, whitening


def independence(seed: int, n_envs: int, n_updates: int, streams: int | None = None, n_blocks: int = 4) -> None:
    """
    Whether the collected episodes are independent draws of the policy's distribution: the 8 whitened statistics of
    ``sufficient_statistics`` of every episode (collection only), their variance (1), their correlation between the
    envs of a rollout and across rollouts (0), and Hotelling's T^2 of their mean over consecutive blocks of rollouts
    (chi-square, 8 dof each). Also checks that the sampler is the exponential race: th.multinomial(p, 1) is
    argmax(p / E), E the generator's Exp(1) stream, consumed 2 per env and step.
    """
    th.manual_seed(seed)
    probs = th.softmax(th.randn(4, 2), dim=-1)
    state = th.get_rng_state()
    draws = th.cat([th.multinomial(probs, 1) for _ in range(3)]).flatten()
    th.set_rng_state(state)
    race = (probs.repeat(3, 1) / th.empty(12, 2).exponential_()).argmax(1)
    print(f"th.multinomial == argmax(p / Exp(1) stream): {bool((draws == race).all())}")
    model = make_model(seed, n_envs, streams)
    probabilities, _ = cell_model(model.policy)
    whitened, _ = sufficient_statistics(probabilities)
    index = {cell: i for i, cell in enumerate(CELLS)}
    cells = np.zeros((n_updates, n_envs), dtype=np.int64)
    _, callback = model._setup_learn(10**12, None)
    for update in range(n_updates):
        assert model.collect_rollouts(model.env, callback, model.rollout_buffer, model.n_steps)
        for env, cue, actions in rollout_episodes(next(model.rollout_buffer.get())):
            cells[update, env] = index[cue, actions]
    y = whitened[cells]  # (n_updates, n_envs, 8)
    print(f"variance of the whitened statistics (1 expected): {np.round(y.reshape(-1, 8).var(0), 3).tolist()}")
    if n_envs > 1:
        pairs = [(i, j) for i in range(n_envs) for j in range(i + 1, n_envs)]
        between = np.mean([(y[:, i] * y[:, j]).mean(0) for i, j in pairs], axis=0)
        print(
            f"correlation between the envs of a rollout (standard error {1 / np.sqrt(n_updates * len(pairs)):.4f}): "
            f"{np.round(between, 4).tolist()}"
        )
    for lag in (1, 2, 5, 10):
        across = np.mean([(y[lag:, i] * y[:-lag, j]).mean(0) for i in range(n_envs) for j in range(n_envs)], axis=0)
        print(
            f"correlation across rollouts at lag {lag} (standard error {1 / np.sqrt((n_updates - lag) * n_envs**2):.4f}):"
            f" {np.round(across, 4).tolist()}"
        )
    per_rollout = y.sum(1)
    block = n_updates // n_blocks
    t2 = [float((per_rollout[b * block : (b + 1) * block].sum(0) ** 2).sum() / (block * n_envs)) for b in range(n_blocks)]
    whole = float((per_rollout.sum(0) ** 2).sum() / (n_updates * n_envs))
    print(
        f"T^2 of blocks of {block} rollouts (8 dof): {np.round(t2, 1).tolist()}, p = "
        f"{np.round(stats.chi2.sf(t2, 8), 4).tolist()}; all {n_updates}: {whole:.1f}, p = {stats.chi2.sf(whole, 8):.4f}"
    )


TABLE = [  # (seed, streams, envs, updates, checkpoints): the deviation report's configurations
    (5, None, 4, 15000, [2500, 7500, 15000]),
    (5, None, 2, 15000, [15000]),
    (5, None, 1, 20000, [20000]),
    (7, None, 4, 7500, [7500]),
    (11, None, 4, 7500, [2500, 7500]),
    (5, 7, 4, 7500, [7500]),
    (7, 5, 4, 7500, [7500]),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["run", "table", "montecarlo", "independence"])
    parser.add_argument("--seed", type=int, default=5, help="the model's seed (policy initialisation and streams)")
    parser.add_argument("--envs", type=int, default=4)
    parser.add_argument("--updates", type=int, default=7500)
    parser.add_argument("--streams", type=int, default=None, help="re-seed every random stream after building")
    parser.add_argument("--checkpoints", type=int, nargs="*", default=None, help="report after these many updates")
    parser.add_argument("--episodes", type=int, default=1_000_000, help="montecarlo: episodes")
    args = parser.parse_args()
    th.set_num_threads(1)
    print("Command: python benchmarks/recurrent_bias.py " + " ".join(sys.argv[1:]), flush=True)
    if args.command == "montecarlo":
        montecarlo(args.seed, args.episodes)
        return
    if args.command == "independence":
        independence(args.seed, args.envs, args.updates, args.streams)
        return
    print(HEADER, flush=True)
    configurations = (
        TABLE if args.command == "table" else [(args.seed, args.streams, args.envs, args.updates, args.checkpoints)]
    )
    for seed, streams, n_envs, n_updates, checkpoints in configurations:
        for row in run(seed, n_envs, n_updates, streams, checkpoints):
            print_row(row)


if __name__ == "__main__":
    main()
