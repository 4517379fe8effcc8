"""Fast action sampling from the actor alone, for rollout collection."""

import numpy as np
import torch as th
from sb3_contrib.common.maskable.distributions import (
    MaskableBernoulliDistribution,
    MaskableCategoricalDistribution,
    MaskableMultiCategoricalDistribution,
)
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from stable_baselines3.common.distributions import (
    BernoulliDistribution,
    CategoricalDistribution,
    DiagGaussianDistribution,
    MultiCategoricalDistribution,
)
from stable_baselines3.common.policies import ActorCriticPolicy, BasePolicy
from stable_baselines3.common.torch_layers import MlpExtractor
from stable_baselines3.common.type_aliases import PyTorchObs

# The methods of the policy's own sampling path: get_distribution(obs) = dist(action_net(forward_actor(features(obs))))
SAMPLING_PATH = ("get_distribution", "_get_action_dist_from_latent", "extract_features")

# The distributions that sample_actions draws from directly, on SB3's sampling path
FAST_DISTRIBUTIONS = (
    CategoricalDistribution,
    MaskableCategoricalDistribution,
    MultiCategoricalDistribution,
    MaskableMultiCategoricalDistribution,
    MaskableBernoulliDistribution,
    BernoulliDistribution,
    DiagGaussianDistribution,
)

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


def has_sb3_sampling_path(
    policy_class: type, mlp_extractor_class: type, bases: tuple[type, ...] = (MaskableActorCriticPolicy, ActorCriticPolicy)
) -> bool:
    """
    Whether a policy of this class (with this ``mlp_extractor``) computes ``get_distribution(obs)`` with SB3's
    (or sb3-contrib's) own code: none of ``get_distribution``, ``_get_action_dist_from_latent`` and
    ``extract_features`` is overridden from the first of ``bases`` it subclasses, and the extractor's
    ``forward_actor`` is ``MlpExtractor``'s. Only then does the fast path (``sample_from_latent``) provably draw from
    the distribution that the loss evaluates. Modules (features extractor, ``action_net``) may be anything: both
    paths call them the same way.

    :param policy_class: The policy's class
    :param mlp_extractor_class: The class of its ``mlp_extractor``
    :param bases: The policy classes whose sampling path the fast path reproduces, most derived first
        (RecurrentREINFORCE passes sb3-contrib's ``RecurrentActorCriticPolicy``)
    :return: True if the fast path may be used
    """
    if not issubclass(mlp_extractor_class, MlpExtractor):
        return False
    if mlp_extractor_class.forward_actor is not MlpExtractor.forward_actor:
        return False
    for base in bases:
        if issubclass(policy_class, base):
            return all(getattr(policy_class, name) is getattr(base, name) for name in SAMPLING_PATH)
    return False


def sample_actions(policy: ActorCriticPolicy, obs: PyTorchObs, action_masks: np.ndarray | None = None) -> th.Tensor:
    """
    Sample a ~ pi(.|s) from the policy's actor, as ``policy.get_distribution(obs).get_actions()`` does.
    The critic is not evaluated.

    When the policy's sampling path is SB3's own (``has_sb3_sampling_path``) and its distribution is one of those
    below, the draw is made from the actor's output directly, without building ``torch.distributions`` objects
    (their argument checks and normalisation cost as much as the network on small MLPs):

    - Categorical: a ~ softmax(logits)
    - MultiCategorical: one categorical draw per sub-action
    - Bernoulli: a_i ~ Bernoulli(sigmoid(logit_i))
    - Diagonal Gaussian: a = mu + exp(log_std) * eps, eps ~ N(0, I)
    - sb3-contrib's maskable Categorical, MultiCategorical and Bernoulli (two logits per binary sub-action):
      categorical draws from the masked logits (``mask_logits``), so an invalid action has probability 0

    Otherwise (a policy that overrides a method of that path, gSDE, any other distribution) it is
    ``policy.get_distribution(obs[, action_masks]).get_actions()`` itself. Either way the actions are drawn from
    the distribution whose log-probabilities the loss takes.

    :param policy: The actor-critic policy (SB3's, or sb3-contrib's ``MaskableActorCriticPolicy``)
    :param obs: Observations, already as tensors
    :param action_masks: Invalid-action masks, shape (batch, number of choices), for a maskable policy; None: no masking
    :return: The sampled actions, shaped as SB3's ``get_actions()`` returns them
    """
    action_dist = policy.action_dist
    if type(action_dist) not in FAST_DISTRIBUTIONS or not has_sb3_sampling_path(type(policy), type(policy.mlp_extractor)):
        mask_kwargs = {} if action_masks is None else {"action_masks": action_masks}
        return policy.get_distribution(obs, **mask_kwargs).get_actions()
    features = BasePolicy.extract_features(policy, obs, policy.pi_features_extractor)
    return sample_from_latent(policy, policy.mlp_extractor.forward_actor(features), action_masks)


def sample_from_latent(policy: ActorCriticPolicy, latent_pi: th.Tensor, action_masks: np.ndarray | None = None) -> th.Tensor:
    """
    a ~ pi(.|s) from the actor's latent, as ``policy._get_action_dist_from_latent(latent_pi).get_actions()`` does for
    the distributions of ``FAST_DISTRIBUTIONS``, drawn directly (see ``sample_actions``). The caller checks that the
    policy's sampling path is SB3's own.

    :param policy: The actor-critic policy
    :param latent_pi: The actor's latent, ``mlp_extractor.forward_actor``'s output
    :param action_masks: Invalid-action masks, or None
    :return: The sampled actions
    """
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
        # The three distributions of this branch all have action_dims (the base class Distribution does not)
        return sample_categoricals(logits, list(action_dist.action_dims))  # type: ignore[attr-defined]
    if type(action_dist) is BernoulliDistribution:
        return th.bernoulli(th.sigmoid(policy.action_net(latent_pi)))
    # DiagGaussianDistribution: a = mu + sigma * eps
    mean_actions = policy.action_net(latent_pi)
    return mean_actions + th.exp(policy.log_std) * th.randn_like(mean_actions)
