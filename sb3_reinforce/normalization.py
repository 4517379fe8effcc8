"""
Normalisation of the advantages A_t = G_t - b(s_t, t) with statistics that do not depend on the steps they normalise.

SB3's standardisation, (A_t - mean A) / std A over the batch, uses each step's own return in the mean and std that
weigh it, which biases the update by O(1/batch size). Here the mean m_i and standard deviation s_i that weigh the
steps of env i come from steps independent of env i's episodes in the batch (``direction_unbiased_statistics``):

    m_i = (m_-i + m') / 2,    s_i^2 = (s_-i^2 + v') / 2

- m_-i and s_-i^2: the mean and variance over the *other* envs' steps of the same batch (leave one env out,
  ``other_envs_statistics``). The envs' episodes are independent: they follow the current batch's scale at once;
- m' and v': exponential moving averages of the earlier batches' means and variances (``updated_statistics``),
  which depend on nothing in the batch they weigh. They bound the weights: s_i >= sqrt(v' / 2), where the other
  envs alone give heavy-tailed weights whenever their few episodes are well explained by the baseline (s_-i small).

With one env (or fewer than 2 steps in the other envs) only m' and v' remain; on the first batch only m_-i and
s_-i (with one env, the first batch is left as it is).

Why the direction is unbiased: given the earlier batches, env i's episodes in the batch are independent of
(m_i, s_i), so E[sum_t (A_t - m_i) / s_i grad log pi(a_t|s_t)] = E[1 / s_i] g_i, g_i being env i's share of the
plain update (the centring term vanishes: E[sum_t grad log pi(a_t|s_t)] = 0 over an episode). Each g_i is a
positive multiple of the policy gradient, and so is their sum, with one env as with several. The other episodes
of the *same* env would not do: which of them join a rollout depends on the lengths of the earlier ones.
"""

import torch as th

# Weight of the newest batch in the moving averages of updated_statistics (about the last 10 batches count)
MOVING_AVERAGE_WEIGHT = 0.1
# Weight of the other envs' statistics against the moving averages in direction_unbiased_statistics: equal weights
OTHER_ENVS_WEIGHT = 0.5
# Below this standard deviation (or with fewer than 2 steps) the statistics give no scale: the weights are only centred
MIN_STD = 1e-8


def statistics(values: th.Tensor) -> tuple[float, float]:
    """
    Mean and standard deviation (unbiased, as ``torch.std``) of ``values``; (0, 1) with fewer than 2 values,
    and a standard deviation of 1 when it is below ``MIN_STD``.

    :param values: A batch of values
    :return: (mean, std)
    """
    if len(values) < 2:
        return 0.0, 1.0
    std = values.std().item()
    return values.mean().item(), std if std > MIN_STD else 1.0


def updated_statistics(previous: tuple[float, float] | None, values: th.Tensor) -> tuple[float, float]:
    """
    Exponential moving averages of the batches' means and variances, with the newest batch weighted by
    w = ``MOVING_AVERAGE_WEIGHT``:

        m <- (1 - w) m + w mean(values),    v <- (1 - w) v + w var(values)

    starting from the first batch's own mean and variance.

    :param previous: (m, v) before this batch, or None before the first
    :param values: This batch's values
    :return: (m, v) after this batch
    """
    mean, std = statistics(values)
    if previous is None:
        return mean, std**2
    weight = MOVING_AVERAGE_WEIGHT
    return (1 - weight) * previous[0] + weight * mean, (1 - weight) * previous[1] + weight * std**2


def other_envs_statistics(values: th.Tensor, env_indices: th.Tensor, n_envs: int) -> tuple[th.Tensor, th.Tensor, th.Tensor]:
    """
    For every env i, the mean and the variance of ``values`` over the steps of the *other* envs:

        m_-i = sum_{j != i} S_j / N_-i,    s_-i^2 = (sum_{j != i} Q_j - N_-i m_-i^2) / (N_-i - 1)

    with N_j, S_j and Q_j the number, sum and sum of squares of env j's values (in float64), N_-i = sum_{j != i} N_j.

    :param values: Values of a batch of steps, shape (batch,)
    :param env_indices: Env of each step, shape (batch,)
    :param n_envs: Number of envs
    :return: (m_-i, s_-i^2, N_-i >= 2) for each env i, each of shape (n_envs,) and in float64; where N_-i < 2
        (the third is False) the mean is 0 and the variance 1
    """
    values64 = values.double()
    env_indices = env_indices.long()
    counts = th.bincount(env_indices, minlength=n_envs).double()
    sums = th.zeros(n_envs, dtype=th.float64, device=values.device).index_add_(0, env_indices, values64)
    squares = th.zeros(n_envs, dtype=th.float64, device=values.device).index_add_(0, env_indices, values64**2)
    n_other = counts.sum() - counts
    mean = (sums.sum() - sums) / n_other.clamp(min=1)
    variance = ((squares.sum() - squares - n_other * mean**2) / (n_other - 1).clamp(min=1)).clamp(min=0)
    enough = n_other >= 2
    mean = th.where(enough, mean, th.zeros_like(mean))
    variance = th.where(enough, variance, th.ones_like(variance))
    return mean, variance, enough


def direction_unbiased_statistics(
    values: th.Tensor, env_indices: th.Tensor, n_envs: int, earlier: tuple[float, float] | None
) -> tuple[th.Tensor, th.Tensor]:
    """
    For every step of env i, the mean and standard deviation that weigh it, independent of env i's episodes in
    this batch: the average of the other envs' statistics and of the earlier batches' moving averages,

        m_i = (m_-i + m') / 2,    s_i = sqrt((s_-i^2 + v') / 2)

    or either alone where the other is missing (one env or N_-i < 2; the first batch); (0, 1) where both are.
    A standard deviation below ``MIN_STD`` is replaced by 1.

    :param values: Values of a batch of steps, shape (batch,)
    :param env_indices: Env of each step, shape (batch,)
    :param n_envs: Number of envs
    :param earlier: (m', v') of ``updated_statistics`` over the earlier batches, or None on the first batch
    :return: (m_i, s_i) for each step, each of shape (batch,) and ``values``' dtype
    """
    env_indices = env_indices.long()
    mean, variance, enough = other_envs_statistics(values, env_indices, n_envs)
    if earlier is not None:
        # Where the other envs give no statistics, the earlier batches' alone
        weight = OTHER_ENVS_WEIGHT
        mean = th.where(enough, weight * mean + (1 - weight) * earlier[0], th.full_like(mean, earlier[0]))
        variance = th.where(enough, weight * variance + (1 - weight) * earlier[1], th.full_like(variance, earlier[1]))
    std = variance.sqrt()
    std = th.where(std > MIN_STD, std, th.ones_like(std))
    return mean[env_indices].to(values.dtype), std[env_indices].to(values.dtype)
