"""Fast action sampling from the actor alone, for rollout collection."""

import numpy as np
import torch as th
from sb3_contrib.common.maskable.distributions import (
    MaskableBernoulliDistribution,
    MaskableCategoricalDistribution,
    MaskableMultiCategoricalDistribution,
)
from stable_baselines3.common.distributions import (
    BernoulliDistribution,
    CategoricalDistribution,
    DiagGaussianDistribution,
    MultiCategoricalDistribution,
)
from stable_baselines3.common.policies import ActorCriticPolicy, BasePolicy
from stable_baselines3.common.type_aliases import PyTorchObs

# The logit sb3-contrib's MaskableCategorical gives an invalid action: its probability underflows to exactly 0
MASKED_LOGIT = -1e8


def mask_logits(logits: th.Tensor, action_masks: np.ndarray | th.Tensor | None) -> th.Tensor:
    """
    Invalid-action masking as sb3-contrib's ``MaskableCategorical.apply_masking`` does it: the logit of an
    invalid action (mask False) becomes -1e8, so that softmax gives it probability 0 and renormalises the rest:

        pi(a|s) = m_a exp(l_a) / sum_b m_b exp(l_b)

    :param logits: Logits, shape (batch, total number of choices)
    :param action_masks: Masks of the same number of elements (True: valid), or None for no masking
    :return: The masked logits
    """
    if action_masks is None:
        return logits
    masks = th.as_tensor(action_masks, dtype=th.bool, device=logits.device).reshape(logits.shape)
    return th.where(masks, logits, th.tensor(MASKED_LOGIT, dtype=logits.dtype, device=logits.device))


def sample_categoricals(logits: th.Tensor, action_dims: list[int]) -> th.Tensor:
    """
    One categorical draw per sub-action, a_i ~ softmax(logits_i), the logits being concatenated.

    :param logits: Concatenated logits, shape (batch, sum(action_dims))
    :param action_dims: Number of choices of each sub-action
    :return: The draws, shape (batch, len(action_dims))
    """
    if len(set(action_dims)) == 1:  # equal sizes (always so for MultiBinary): one draw for all
        per_choice = logits.reshape(-1, action_dims[0])
        return th.multinomial(th.softmax(per_choice, dim=-1), 1).reshape(logits.shape[0], len(action_dims))
    splits = th.split(logits, list(action_dims), dim=1)
    return th.cat([th.multinomial(th.softmax(split, dim=-1), 1) for split in splits], dim=1)


def sample_actions(policy: ActorCriticPolicy, obs: PyTorchObs, action_masks: np.ndarray | None = None) -> th.Tensor:
    """
    Sample a ~ pi(.|s) from the policy's actor, as ``policy.get_distribution(obs).get_actions()`` does,
    without building ``torch.distributions`` objects (their argument checks and normalisation cost
    as much as the network on small MLPs). The critic is not evaluated.

    - Categorical: a ~ softmax(logits)
    - MultiCategorical: one categorical draw per sub-action
    - Bernoulli: a_i ~ Bernoulli(sigmoid(logit_i))
    - Diagonal Gaussian: a = mu + exp(log_std) * eps, eps ~ N(0, I)
    - sb3-contrib's maskable Categorical, MultiCategorical and Bernoulli (two logits per binary sub-action):
      categorical draws from the masked logits (``mask_logits``), so an invalid action has probability 0
    - gSDE (and any other distribution): SB3's own sampling, masked by the distribution's ``apply_masking``

    :param policy: The actor-critic policy (SB3's, or sb3-contrib's ``MaskableActorCriticPolicy``)
    :param obs: Observations, already as tensors
    :param action_masks: Invalid-action masks, shape (batch, number of choices), for a maskable policy; None: no masking
    :return: The sampled actions, shaped as SB3's ``get_actions()`` returns them
    """
    features = BasePolicy.extract_features(policy, obs, policy.pi_features_extractor)
    latent_pi = policy.mlp_extractor.forward_actor(features)
    action_dist = policy.action_dist
    if type(action_dist) in (CategoricalDistribution, MaskableCategoricalDistribution):
        logits = mask_logits(policy.action_net(latent_pi), action_masks)
        return th.multinomial(th.softmax(logits, dim=-1), 1).squeeze(-1)
    if type(action_dist) in (
        MultiCategoricalDistribution,
        MaskableMultiCategoricalDistribution,
        MaskableBernoulliDistribution,
    ):
        logits = mask_logits(policy.action_net(latent_pi), action_masks)
        return sample_categoricals(logits, list(action_dist.action_dims))
    if type(action_dist) is BernoulliDistribution:
        return th.bernoulli(th.sigmoid(policy.action_net(latent_pi)))
    if type(action_dist) is DiagGaussianDistribution:
        mean_actions = policy.action_net(latent_pi)
        return mean_actions + th.exp(policy.log_std) * th.randn_like(mean_actions)
    distribution = policy._get_action_dist_from_latent(latent_pi)
    if action_masks is not None:
        distribution.apply_masking(action_masks)
    return distribution.get_actions()
