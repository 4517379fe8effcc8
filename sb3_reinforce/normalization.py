"""
Normalisation of the advantages A_t = G_t - b(s_t, t) with statistics that do not depend on the steps they normalise.

SB3's standardisation, (A_t - mean A) / std A over the batch, uses each step's own return in the mean and std that
weigh it, which biases the update by O(1/batch size). Here the mean m and standard deviation s that weigh a step
come from steps independent of it:

- with several envs, from the other envs' steps of the same batch (leave one env out): the envs' episodes are
  independent, so for env i, E[sum_t (A_t - m_-i) / s_-i grad log pi(a_t|s_t)] = E[1 / s_-i] g_i, g_i being its
  share of the plain update (the centring term vanishes: E[grad log pi(a|s)] = 0). Every env has the same
  E[1 / s_-i], so the update's expectation is a positive multiple of the policy gradient. The other episodes of
  the *same* env would not do: which of them join a rollout depends on the lengths of the earlier ones;
- with one env, from the earlier batches: exponential moving averages of the batches' means and variances
  (``updated_statistics``), which depend on nothing in the batch they weigh. The first batch is left as it is.
"""

import torch as th

# Weight of the newest batch in the moving averages of updated_statistics (about the last 10 batches count)
MOVING_AVERAGE_WEIGHT = 0.1
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


def other_envs_statistics(values: th.Tensor, env_indices: th.Tensor, n_envs: int) -> tuple[th.Tensor, th.Tensor]:
    """
    For every step, the mean and the standard deviation of ``values`` over the steps of the *other* envs:

        m_-i = sum_{j != i} S_j / N_-i,    s_-i^2 = (sum_{j != i} Q_j - N_-i m_-i^2) / (N_-i - 1)

    with N_j, S_j and Q_j the number, sum and sum of squares of env j's values (in float64), N_-i = sum_{j != i} N_j.
    Where N_-i < 2 the mean is 0 and the std 1; where s_-i < ``MIN_STD``, the std is 1.

    :param values: Values of a batch of steps, shape (batch,)
    :param env_indices: Env of each step, shape (batch,)
    :param n_envs: Number of envs
    :return: (m_-i, s_-i) for each step's env i, each of shape (batch,) and ``values``' dtype
    """
    values64 = values.double()
    env_indices = env_indices.long()
    counts = th.bincount(env_indices, minlength=n_envs).double()
    sums = th.zeros(n_envs, dtype=th.float64, device=values.device).index_add_(0, env_indices, values64)
    squares = th.zeros(n_envs, dtype=th.float64, device=values.device).index_add_(0, env_indices, values64**2)
    n_other = counts.sum() - counts
    mean = (sums.sum() - sums) / n_other.clamp(min=1)
    variance = (squares.sum() - squares - n_other * mean**2) / (n_other - 1).clamp(min=1)
    std = variance.clamp(min=0).sqrt()
    enough = n_other >= 2
    mean = th.where(enough, mean, th.zeros_like(mean))
    std = th.where(enough & (std > MIN_STD), std, th.ones_like(std))
    return mean[env_indices].to(values.dtype), std[env_indices].to(values.dtype)
