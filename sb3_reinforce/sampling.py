"""Fast action sampling from the actor alone, for rollout collection."""

import torch as th
from stable_baselines3.common.distributions import (
    BernoulliDistribution,
    CategoricalDistribution,
    DiagGaussianDistribution,
    MultiCategoricalDistribution,
)
from stable_baselines3.common.policies import ActorCriticPolicy, BasePolicy
from stable_baselines3.common.type_aliases import PyTorchObs


def sample_actions(policy: ActorCriticPolicy, obs: PyTorchObs) -> th.Tensor:
    """
    Sample a ~ pi(.|s) from the policy's actor, as ``policy.get_distribution(obs).get_actions()`` does,
    without building ``torch.distributions`` objects (their argument checks and normalisation cost
    as much as the network on small MLPs). The critic is not evaluated.

    - Categorical: a ~ softmax(logits)
    - MultiCategorical: one categorical draw per sub-action
    - Bernoulli: a_i ~ Bernoulli(sigmoid(logit_i))
    - Diagonal Gaussian: a = mu + exp(log_std) * eps, eps ~ N(0, I)
    - gSDE (and any other distribution): SB3's own sampling

    :param policy: The actor-critic policy
    :param obs: Observations, already as tensors
    :return: The sampled actions, shaped as SB3's ``get_actions()`` returns them
    """
    features = BasePolicy.extract_features(policy, obs, policy.pi_features_extractor)
    latent_pi = policy.mlp_extractor.forward_actor(features)
    action_dist = policy.action_dist
    if type(action_dist) is CategoricalDistribution:
        logits = policy.action_net(latent_pi)
        return th.multinomial(th.softmax(logits, dim=-1), 1).squeeze(-1)
    if type(action_dist) is MultiCategoricalDistribution:
        logits = th.split(policy.action_net(latent_pi), list(action_dist.action_dims), dim=1)
        return th.cat([th.multinomial(th.softmax(split, dim=-1), 1) for split in logits], dim=1)
    if type(action_dist) is BernoulliDistribution:
        return th.bernoulli(th.sigmoid(policy.action_net(latent_pi)))
    if type(action_dist) is DiagGaussianDistribution:
        mean_actions = policy.action_net(latent_pi)
        return mean_actions + th.exp(policy.log_std) * th.randn_like(mean_actions)
    return policy._get_action_dist_from_latent(latent_pi).get_actions()
