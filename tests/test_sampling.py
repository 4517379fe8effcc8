"""The fast actor-only sampler draws from the same distribution as SB3's ``get_distribution().get_actions()``."""

import numpy as np
import pytest
import torch as th
from sb3_contrib.common.envs import InvalidActionEnvDiscrete, InvalidActionEnvMultiBinary, InvalidActionEnvMultiDiscrete
from stable_baselines3.common.envs import IdentityEnv, IdentityEnvBox, IdentityEnvMultiBinary, IdentityEnvMultiDiscrete

from sb3_reinforce import REINFORCE, MaskableREINFORCE
from sb3_reinforce.sampling import sample_actions

N_SAMPLES = 20_000


def one_hot_probs(probs: th.Tensor, samples: th.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Empirical frequencies of each category against the policy's probabilities."""
    counts = np.bincount(samples.numpy().astype(int), minlength=probs.shape[-1]) / len(samples)
    return counts, probs.numpy()


def assert_frequencies(empirical: np.ndarray, probs: np.ndarray) -> None:
    # Binomial standard error; 5 of them (fixed seed) bounds the check without flakiness
    std_error = np.sqrt(probs * (1 - probs) / N_SAMPLES)
    assert np.all(np.abs(empirical - probs) <= 5 * std_error + 1e-12), (empirical, probs)


@pytest.mark.parametrize(
    "kind, env",
    [
        ("Categorical", IdentityEnv(dim=4)),
        ("MultiCategorical", IdentityEnvMultiDiscrete(dim=2)),
        ("Bernoulli", IdentityEnvMultiBinary(dim=3)),
        ("DiagGaussian", IdentityEnvBox()),
    ],
)
def test_sampler_matches_policy_distribution(kind, env):
    model = REINFORCE("MlpPolicy", env, seed=0, policy_kwargs={"log_std_init": -0.5})
    policy = model.policy
    with th.no_grad():
        for param in policy.action_net.parameters():  # a clearly non-uniform distribution
            param.copy_(th.randn_like(param))
    obs = policy.obs_to_tensor(env.observation_space.sample())[0]
    batch = obs.repeat(N_SAMPLES, *([1] * (obs.dim() - 1)))
    th.manual_seed(0)
    with th.no_grad():
        samples = sample_actions(policy, batch)
        distribution = policy.get_distribution(obs)
        reference = distribution.get_actions()
    assert samples.shape[1:] == reference.shape[1:] and samples.dtype == reference.dtype

    if kind == "Categorical":
        assert_frequencies(*one_hot_probs(distribution.distribution.probs[0], samples))
    elif kind == "MultiCategorical":
        for dim, categorical in enumerate(distribution.distribution):
            assert_frequencies(*one_hot_probs(categorical.probs[0], samples[:, dim]))
    elif kind == "Bernoulli":
        assert_frequencies(samples.numpy().mean(0), distribution.distribution.probs[0].numpy())
    else:
        mean, std = distribution.distribution.mean[0].numpy(), distribution.distribution.stddev[0].numpy()
        std_error = std / np.sqrt(N_SAMPLES)
        assert np.all(np.abs(samples.numpy().mean(0) - mean) < 5 * std_error)
        np.testing.assert_allclose(samples.numpy().std(0), std, rtol=0.03)


@pytest.mark.parametrize(
    "env",
    [
        InvalidActionEnvDiscrete(dim=6, n_invalid_actions=3),
        InvalidActionEnvMultiDiscrete(dims=[3, 4], n_invalid_actions=3),
        InvalidActionEnvMultiBinary(dims=3, n_invalid_actions=2),
    ],
    ids=["Categorical", "MultiCategorical", "Bernoulli"],
)
def test_masked_sampler_matches_sb3_contrib_distribution(env):
    """With masks, the sampler draws from sb3-contrib's masked distribution: the frequencies match its
    probabilities, and an invalid action (probability 0) is never drawn."""
    model = MaskableREINFORCE("MlpPolicy", env, seed=0)
    policy = model.policy
    with th.no_grad():
        for param in policy.action_net.parameters():
            param.copy_(th.randn_like(param))
    obs = policy.obs_to_tensor(env.reset()[0])[0]
    masks = np.array([env.action_masks()])
    assert not masks.all()
    batch = obs.repeat(N_SAMPLES, *([1] * (obs.dim() - 1)))
    th.manual_seed(0)
    with th.no_grad():
        samples = sample_actions(policy, batch, np.repeat(masks, N_SAMPLES, axis=0))
        distribution = policy.get_distribution(obs, action_masks=masks)
        reference = distribution.get_actions()
    assert samples.shape[1:] == reference.shape[1:] and samples.dtype == reference.dtype
    if samples.dim() == 1:
        assert_frequencies(*one_hot_probs(distribution.distribution.probs[0], samples))
    else:
        for dim, categorical in enumerate(distribution.distributions):
            assert_frequencies(*one_hot_probs(categorical.probs[0], samples[:, dim]))
