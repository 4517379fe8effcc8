"""
What docs/guide/policy_gradient.md says about the REINFORCE update, checked on the package's own loss:
-G log pi(a|s) is the return-weighted cross-entropy of the logits with the taken action as label (categorical),
minus G times the log density of the taken action (diagonal Gaussian), and its gradient with respect to a
linear softmax policy's parameters is the one derived by hand. The page's runnable example runs.
"""

import numpy as np
import pytest
import torch as th
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
from torch.nn import functional as F

from sb3_reinforce import REINFORCE
from tests.pages import DOCS, example

PAGE = DOCS / "guide" / "policy_gradient.md"


def rollout_batch(env_id: str, **kwargs):
    """A model, and the trainable steps of one rollout collected with it (plain returns as weights)."""
    env = make_vec_env(env_id, n_envs=2, seed=0)
    kwargs = {"n_steps": 8, "normalize_advantage": False, "seed": 0, "device": "cpu", **kwargs}
    model = REINFORCE("MlpPolicy", env, **kwargs)
    _, callback = model._setup_learn(10**6, None)
    assert model.collect_rollouts(model.env, callback, model.rollout_buffer, model.n_steps)
    return model, next(model.rollout_buffer.get())


def actor_output(model: REINFORCE, observations: th.Tensor) -> th.Tensor:
    """The actor's last layer: the logits (categorical) or the mean (Gaussian)."""
    features = model.policy.extract_features(observations, model.policy.pi_features_extractor)
    return model.policy.action_net(model.policy.mlp_extractor.forward_actor(features))


def test_categorical_loss_is_return_weighted_cross_entropy():
    model, data = rollout_batch("CartPole-v1")
    loss, _ = model.compute_loss(data)
    logits = actor_output(model, data.observations)
    cross_entropy = F.cross_entropy(logits, data.actions.long().flatten(), reduction="none")
    expected = (data.returns * cross_entropy).sum() / (model.n_steps * model.n_envs)
    th.testing.assert_close(loss, expected)
    assert data.returns.std() > 0  # the weights are not all equal: the test sees a wrong pairing


def test_gaussian_loss_is_return_weighted_log_density():
    model, data = rollout_batch("Pendulum-v1")
    loss, _ = model.compute_loss(data)
    mean, log_std = actor_output(model, data.observations), model.policy.log_std
    # log N(a; mu, sigma^2) = -sum_i [(a_i - mu_i)^2 / (2 sigma_i^2) + log sigma_i + log(2 pi) / 2]
    log_density = -((data.actions - mean) ** 2 / (2 * th.exp(2 * log_std)) + log_std + 0.5 * np.log(2 * np.pi)).sum(-1)
    expected = -(data.returns * log_density).sum() / (model.n_steps * model.n_envs)
    th.testing.assert_close(loss, expected)


def test_ent_coef_schedule_weighs_the_entropy_by_its_value_at_the_current_progress():
    constant, data = rollout_batch("CartPole-v1", ent_coef=0.3)
    scheduled, _ = rollout_batch("CartPole-v1", ent_coef=lambda progress_remaining: 0.75 * progress_remaining)
    scheduled.policy.load_state_dict(constant.policy.state_dict())
    scheduled._current_progress_remaining = 0.4  # 0.75 * 0.4 = 0.3
    th.testing.assert_close(scheduled.compute_loss(data)[0], constant.compute_loss(data)[0])
    scheduled._current_progress_remaining = 1.0
    assert scheduled.compute_loss(data)[0] < constant.compute_loss(data)[0]  # a larger bonus, a lower loss

    # learn() moves the progress; each update logs the coefficient it used, the schedule's value there
    logged = []

    class RecordEntCoef(BaseCallback):
        def _on_rollout_start(self) -> None:  # after the previous update, before the logger dumps its figures
            if "train/ent_coef" in self.logger.name_to_value:
                logged.append((self.model._current_progress_remaining, self.logger.name_to_value["train/ent_coef"]))

        def _on_step(self) -> bool:
            return True

    scheduled.learn(600, callback=RecordEntCoef(), log_interval=1)
    progress, values = np.array(logged).T
    assert len(logged) >= 3 and np.all(np.diff(progress) < 0)
    np.testing.assert_allclose(values, 0.75 * progress)


def test_ent_coef_schedule_with_a_negative_value_is_refused():
    model, data = rollout_batch("CartPole-v1", ent_coef=lambda progress_remaining: progress_remaining - 0.5)
    model._current_progress_remaining = 0.25
    with pytest.raises(ValueError, match=r"ent_coef must be >= 0, got ent_coef=-0.25 from its schedule"):
        model.compute_loss(data)


@pytest.mark.parametrize("use_gamma_t", [False, True])
def test_autograd_gradient_equals_the_gradient_derived_by_hand(use_gamma_t):
    """
    A linear softmax policy pi(.|s) = softmax(W s + b). Per step, d(-G log pi(a|s))/d logits = G (pi(.|s) - onehot(a)):
    every logit moves, not only the taken action's. So, with C = n_steps * n_envs and w_t = gamma^t or 1,

        dL/dW = (1/C) sum_t w_t G_t (pi(.|s_t) - onehot(a_t)) s_t^T,    dL/db = (1/C) sum_t w_t G_t (pi(.|s_t) - onehot(a_t))
    """
    model, data = rollout_batch("CartPole-v1", use_gamma_t=use_gamma_t, gamma=0.9, policy_kwargs={"net_arch": []})
    weight, bias = model.policy.action_net.weight, model.policy.action_net.bias
    loss, _ = model.compute_loss(data)
    grad_weight, grad_bias = th.autograd.grad(loss, [weight, bias])

    states = data.observations.numpy().astype(np.float64)
    actions = data.actions.long().flatten().numpy()
    weights = data.returns.numpy().astype(np.float64) * (data.discounts.numpy() if use_gamma_t else 1.0)
    logits = states @ weight.detach().numpy().T.astype(np.float64) + bias.detach().numpy()
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    dlogits = weights[:, None] * (probs - np.eye(2)[actions]) / (model.n_steps * model.n_envs)
    np.testing.assert_allclose(grad_weight.numpy(), dlogits.T @ states, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(grad_bias.numpy(), dlogits.sum(0), rtol=1e-4, atol=1e-7)


def test_readme_example_runs():
    """The page's runnable example (after the marker) runs and its assertion holds."""
    exec(compile(example(PAGE, "logits-gradient"), str(PAGE), "exec"), {})
