"""The fast actor-only sampler draws from the same distribution as SB3's ``get_distribution().get_actions()``."""

import numpy as np
import pytest
import torch as th
from sb3_contrib.common.envs import InvalidActionEnvDiscrete, InvalidActionEnvMultiBinary, InvalidActionEnvMultiDiscrete
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from sb3_contrib.common.recurrent.policies import (
    RecurrentActorCriticCnnPolicy,
    RecurrentActorCriticPolicy,
    RecurrentMultiInputActorCriticPolicy,
)
from stable_baselines3.common.distributions import Distribution
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.envs import IdentityEnv, IdentityEnvBox, IdentityEnvMultiBinary, IdentityEnvMultiDiscrete
from stable_baselines3.common.policies import ActorCriticCnnPolicy, ActorCriticPolicy, MultiInputActorCriticPolicy
from stable_baselines3.common.torch_layers import MlpExtractor
from stable_baselines3.common.type_aliases import PyTorchObs

from sb3_reinforce import REINFORCE, MaskableREINFORCE
from sb3_reinforce.sampling import has_sb3_sampling_path, sample_actions
from tests.envs import ForbiddenActionEnv

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


FORBIDDEN_LOGIT = -1e9


def forbid(logits: th.Tensor) -> th.Tensor:
    """Logits under which ForbiddenActionEnv's forbidden action has probability 0."""
    return logits.index_fill(-1, th.tensor([ForbiddenActionEnv.FORBIDDEN]), FORBIDDEN_LOGIT)


class ForbidInLatentPolicy(ActorCriticPolicy):
    """A custom head: ``_get_action_dist_from_latent`` forbids an action (as action constraints do)."""

    def _get_action_dist_from_latent(self, latent_pi: th.Tensor) -> Distribution:
        return self.action_dist.proba_distribution(action_logits=forbid(self.action_net(latent_pi)))


class ForbidInGetDistributionPolicy(ActorCriticPolicy):
    """``get_distribution`` overridden (as temperatures and constraints often are)."""

    def get_distribution(self, obs: PyTorchObs) -> Distribution:
        distribution = super().get_distribution(obs)
        return self.action_dist.proba_distribution(action_logits=forbid(distribution.distribution.logits))


class ScaledFeaturesPolicy(ActorCriticPolicy):
    """``extract_features`` overridden. SB3's ``get_distribution`` calls ``BaseModel.extract_features``, not the
    override, so the loss's distribution does not change; the sampler must still not assume it."""

    def extract_features(self, obs: PyTorchObs, features_extractor=None):  # type: ignore[override]
        return super().extract_features(obs, features_extractor)


class ForbidInMaskablePolicy(MaskableActorCriticPolicy):
    """sb3-contrib's maskable policy with an overridden ``_get_action_dist_from_latent``."""

    def _get_action_dist_from_latent(self, latent_pi: th.Tensor):  # type: ignore[override]
        return self.action_dist.proba_distribution(action_logits=forbid(self.action_net(latent_pi)))


class OwnActorExtractor(MlpExtractor):
    """An ``mlp_extractor`` whose ``forward_actor`` is not SB3's."""

    def forward_actor(self, features: th.Tensor) -> th.Tensor:
        return super().forward_actor(features)


def test_fast_path_only_for_sb3_sampling_path():
    """The fast path is taken only where the policy's sampling path is SB3's (or sb3-contrib's) own."""
    for policy_class in (ActorCriticPolicy, ActorCriticCnnPolicy, MultiInputActorCriticPolicy, MaskableActorCriticPolicy):
        assert has_sb3_sampling_path(policy_class, MlpExtractor)
    for policy_class in (ForbidInLatentPolicy, ForbidInGetDistributionPolicy, ScaledFeaturesPolicy, ForbidInMaskablePolicy):
        assert not has_sb3_sampling_path(policy_class, MlpExtractor), policy_class
    assert not has_sb3_sampling_path(ActorCriticPolicy, OwnActorExtractor)
    # RecurrentREINFORCE's fast draw: sb3-contrib's recurrent policies, against their own base
    recurrent = (RecurrentActorCriticPolicy,)
    for policy_class in (RecurrentActorCriticPolicy, RecurrentActorCriticCnnPolicy, RecurrentMultiInputActorCriticPolicy):
        assert has_sb3_sampling_path(policy_class, MlpExtractor, bases=recurrent)
    assert not has_sb3_sampling_path(ForbidInLatentPolicy, MlpExtractor, bases=recurrent)  # not a recurrent policy


@pytest.mark.parametrize(
    "algo, policy_class",
    [
        (REINFORCE, ForbidInLatentPolicy),
        (REINFORCE, ForbidInGetDistributionPolicy),
        (MaskableREINFORCE, ForbidInMaskablePolicy),
    ],
)
def test_custom_policy_is_sampled_from_its_own_distribution(algo, policy_class):
    """A policy whose own distribution forbids an action never takes it during collection (the env raises if it
    does), and the loss evaluates the same distribution: the forbidden action has log-probability ~ -1e9."""
    kwargs = {"use_masking": False} if algo is MaskableREINFORCE else {}
    model = algo(policy_class, make_vec_env(ForbiddenActionEnv, n_envs=4, seed=0), n_steps=8, seed=0)
    with th.no_grad():  # without the override, action 1 would be the likeliest
        model.policy.action_net.bias.copy_(th.tensor([0.0, 3.0, 0.0]))
    model.learn(400, **kwargs)
    assert model.num_timesteps >= 400
    actions = model.rollout_buffer.actions[: model.rollout_buffer.pos]
    assert set(np.unique(actions)) == {0, 2}


def test_extract_features_override_is_sampled_from_get_distribution():
    """With an ``extract_features`` override the sampler falls back to ``get_distribution(obs).get_actions()``,
    which draws exactly what SB3's own sampling draws from the same random state."""
    model = REINFORCE(ScaledFeaturesPolicy, IdentityEnv(dim=4), seed=0)
    obs = th.zeros((64, 1), dtype=th.long)
    with th.no_grad():
        th.manual_seed(1)
        sampled = sample_actions(model.policy, obs)
        th.manual_seed(1)
        reference = model.policy.get_distribution(obs).get_actions()
    th.testing.assert_close(sampled, reference)
