"""
Baselines b(s_t, t) for REINFORCE, subtracted from the Monte Carlo returns G_t.

Any b that does not depend on the action a_t (nor on anything that follows it) leaves the policy gradient
unbiased, because E[grad log pi(a|s)] = 0. A baseline fitted on the batch it is then applied to breaks this:
b(s_t) then depends on G_t itself (through the fit), and the update is biased (the leave-one-out argument).
So every baseline here follows the same order, as in rllab/garage and Spinning Up's VPG:

    1. advantages of batch k:  A_t = G_t - b_{k-1}(s_t, t), with b_{k-1} fitted on batches < k;
    2. the policy step on batch k;
    3. then fit b_k on batch k (``fit``).

Each baseline has ``predict`` (step 1), ``fit`` (step 3), and ``state_dict``/``load_state_dict``, which
SB3's ``save``/``load`` call (``REINFORCE._get_torch_save_params``).
"""

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.policies import ActorCriticPolicy, BasePolicy
from stable_baselines3.common.preprocessing import get_flattened_obs_dim, is_image_space, preprocess_obs
from stable_baselines3.common.type_aliases import PyTorchObs
from torch.nn import functional as F

from sb3_reinforce.buffers import index_rows


class Baseline(ABC):
    """A baseline b(s_t, t): predicted for a batch with the fit of the previous batches, fitted after."""

    @abstractmethod
    def predict(self, policy: ActorCriticPolicy, observations: PyTorchObs, episode_steps: th.Tensor) -> th.Tensor:
        """
        b(s_t, t) for a batch of steps, without gradient.

        :param policy: The algorithm's policy (whose value head the value baseline uses)
        :param observations: Observations s_t (a tensor, or a dict of tensors)
        :param episode_steps: Index t of each step inside its episode
        :return: b(s_t, t), shape (batch,)
        """

    @abstractmethod
    def fit(self, policy: ActorCriticPolicy, observations: PyTorchObs, episode_steps: th.Tensor, returns: th.Tensor) -> None:
        """
        Fit b on a batch whose advantages have already been computed.

        :param policy: The algorithm's policy
        :param observations: Observations s_t
        :param episode_steps: Index t of each step inside its episode
        :param returns: Monte Carlo returns G_t, the regression targets
        """

    @abstractmethod
    def state_dict(self) -> dict[str, Any]:
        """What ``save`` stores of the baseline (its weights are in the policy for the value baseline)."""

    @abstractmethod
    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> None:
        """
        Restore what ``state_dict`` returned.

        :param state_dict: The stored state
        :param strict: Unused (SB3's ``set_parameters`` passes it)
        """


class ValueBaseline(Baseline):
    """
    b(s_t) = V_phi(s_t), the policy's value head, regressed on the Monte Carlo returns (Sutton & Barto §13.4)
    with its own optimiser, as Spinning Up's VPG does:

        minimise over phi   vf_coef * mean_t (G_t - V_phi(s_t))^2

    by ``n_epochs`` passes over the batch in shuffled minibatches of ``batch_size`` steps, each pass with
    its own gradient clipping (``max_grad_norm``). phi is the critic's own parameters: the value MLP and
    output layer, and the critic's features extractor when it is not shared with the actor
    (``share_features_extractor=False``); a shared extractor is trained by the actor's loss only.
    The optimiser is the policy's optimiser class and keyword arguments (Adam with eps 1e-5 by default).

    :param policy: The policy whose value head is the baseline
    :param learning_rate: The critic's learning rate (> 0)
    :param n_epochs: Passes over each batch (>= 1)
    :param batch_size: Steps per minibatch (>= 1)
    :param max_grad_norm: Clipping of the critic's gradient norm at each step (> 0, ``inf`` to disable)
    :param vf_coef: Weight of the regression loss: with Adam it matters only against ``max_grad_norm``
    """

    def __init__(
        self,
        policy: ActorCriticPolicy,
        learning_rate: float,
        n_epochs: int,
        batch_size: int,
        max_grad_norm: float,
        vf_coef: float = 1.0,
    ):
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.max_grad_norm = max_grad_norm
        self.vf_coef = vf_coef
        self.parameters = self.critic_parameters(policy)
        # SB3 types optimizer_class as type[Optimizer], whose __init__ mypy sees without the lr keyword
        self.optimizer = policy.optimizer_class(self.parameters, lr=learning_rate, **policy.optimizer_kwargs)  # type: ignore[call-arg]

    @staticmethod
    def critic_parameters(policy: ActorCriticPolicy) -> list[th.nn.Parameter]:
        """
        phi, the critic's own parameters: the value MLP and head, and the critic's features extractor when it is
        not shared with the actor.

        :param policy: The policy whose value head is the baseline
        :return: The parameters the baseline's optimiser trains
        """
        parameters = [*policy.mlp_extractor.value_net.parameters(), *policy.value_net.parameters()]
        if not policy.share_features_extractor:
            parameters += list(policy.vf_features_extractor.parameters())
        return parameters

    def values(self, policy: ActorCriticPolicy, observations: PyTorchObs, episode_steps: th.Tensor) -> th.Tensor:
        """
        V_phi(s_t), differentiable with respect to the critic's own parameters only.

        :param policy: The policy whose value head is the baseline
        :param observations: Observations s_t
        :param episode_steps: Index t of each step inside its episode (unused: V depends on s_t alone)
        :return: V_phi(s_t), shape (batch,)
        """
        features = BasePolicy.extract_features(policy, observations, policy.vf_features_extractor)
        if policy.share_features_extractor:
            features = features.detach()  # the actor's features extractor is not the critic's to train
        return policy.value_net(policy.mlp_extractor.forward_critic(features)).flatten()

    def minibatches(self, episode_steps: th.Tensor) -> list[th.Tensor]:
        """
        The rows of one pass of the regression: a random permutation of the batch, cut every ``batch_size`` steps.

        :param episode_steps: Index t of each step of the batch
        :return: The rows of each minibatch
        """
        permutation = th.randperm(len(episode_steps), device=episode_steps.device)
        return list(th.split(permutation, self.batch_size))

    def minibatch_values(
        self, policy: ActorCriticPolicy, observations: PyTorchObs, episode_steps: th.Tensor, rows: slice | th.Tensor
    ) -> th.Tensor:
        """
        V_phi of the rows ``rows`` of a batch: ``values`` of those rows. A hook for subclasses that read the rows'
        observations piece by piece (``RecurrentValueBaseline`` reads them a segment at a time).

        :param policy: The policy whose value head is the baseline
        :param observations: Observations s_t of the whole batch
        :param episode_steps: Index t of each step of the whole batch
        :param rows: The minibatch's rows
        :return: V_phi(s_t) of those rows, shape (rows,)
        """
        return self.values(policy, index_rows(observations, rows), episode_steps[rows])

    def predict(self, policy: ActorCriticPolicy, observations: PyTorchObs, episode_steps: th.Tensor) -> th.Tensor:
        with th.no_grad():
            return self.values(policy, observations, episode_steps)

    def fit(self, policy: ActorCriticPolicy, observations: PyTorchObs, episode_steps: th.Tensor, returns: th.Tensor) -> None:
        for _ in range(self.n_epochs):
            for rows in self.minibatches(episode_steps):
                values = self.minibatch_values(policy, observations, episode_steps, rows)
                # Regression on the Monte Carlo returns: vf_coef * mean (G_t - V_phi(s_t))^2
                value_loss = self.vf_coef * F.mse_loss(values, returns[rows])
                self.optimizer.zero_grad()
                value_loss.backward()
                th.nn.utils.clip_grad_norm_(self.parameters, self.max_grad_norm)
                self.optimizer.step()

    def state_dict(self) -> dict[str, Any]:
        return {"optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> None:
        self.optimizer.load_state_dict(state_dict["optimizer"])


class LinearFeatureBaseline(Baseline):
    """
    rllab/garage's ``LinearFeatureBaseline``: b(s_t, t) = phi(s_t, t) . w, linear in the features

        phi(s, t) = [clip(s, -10, 10), clip(s, -10, 10)^2, t/100, (t/100)^2, (t/100)^3, 1]

    (s flattened, Discrete and MultiDiscrete parts one-hot), fitted by ridge least squares on a batch:

        w = argmin_w  sum_t (G_t - phi_t . w)^2 + reg ||w||^2 = (Phi^T Phi + reg I)^-1 Phi^T G

    with reg = 1e-5, multiplied by 10 (at most 5 times) until the solution is finite, as garage does; if it
    never is, the previous w is kept. Before the first fit, b = 0. The time terms let b follow the drop of
    the return-to-go near a time limit, which the observation alone may not show. No gradient steps.
    Image observations are refused (``ValueError``): squares of pixels are not useful features.

    :param observation_space: The observation space (vector spaces, or a Dict of them)
    :param reg_coeff: The ridge coefficient reg (> 0)
    """

    OBS_CLIP = 10.0
    TIME_SCALE = 100.0

    def __init__(self, observation_space: spaces.Space, reg_coeff: float = 1e-5):
        subspaces = observation_space.spaces.values() if isinstance(observation_space, spaces.Dict) else [observation_space]
        if any(is_image_space(space) for space in subspaces):
            raise ValueError(
                "baseline='linear' needs vector observations (its features are the observation, its square and "
                f"the time step); image observations ({observation_space}) are not supported: use baseline='value'"
            )
        self.observation_space = observation_space
        self.reg_coeff = reg_coeff
        n_features = 2 * sum(get_flattened_obs_dim(space) for space in subspaces) + 4
        self.coefficients = th.zeros(n_features, dtype=th.float64)

    def features(self, observations: PyTorchObs, episode_steps: th.Tensor) -> th.Tensor:
        """
        phi(s_t, t) for a batch, float64.

        :param observations: Observations s_t
        :param episode_steps: Index t of each step inside its episode
        :return: The features, shape (batch, n_features)
        """
        preprocessed = preprocess_obs(observations, self.observation_space, normalize_images=False)
        if isinstance(preprocessed, dict):
            # preprocessed is a dict exactly when the observation space is a spaces.Dict (which has .spaces)
            obs = th.cat([preprocessed[key].flatten(start_dim=1) for key in self.observation_space.spaces], dim=1)  # type: ignore[attr-defined]
        else:
            obs = preprocessed.flatten(start_dim=1)
        obs = obs.double().clamp(-self.OBS_CLIP, self.OBS_CLIP)
        time = episode_steps.double().reshape(-1, 1) / self.TIME_SCALE
        return th.cat([obs, obs**2, time, time**2, time**3, th.ones_like(time)], dim=1)

    def predict(self, policy: ActorCriticPolicy, observations: PyTorchObs, episode_steps: th.Tensor) -> th.Tensor:
        features = self.features(observations, episode_steps)
        return (features @ self.coefficients.to(features.device)).float()

    def fit(self, policy: ActorCriticPolicy, observations: PyTorchObs, episode_steps: th.Tensor, returns: th.Tensor) -> None:
        features = self.features(observations, episode_steps).cpu().numpy()
        targets = returns.double().cpu().numpy()
        gram, moments = features.T @ features, features.T @ targets
        if not (np.all(np.isfinite(gram)) and np.all(np.isfinite(moments))):
            return
        reg_coeff = self.reg_coeff
        for _ in range(5):
            # w = (Phi^T Phi + reg I)^-1 Phi^T G, by least squares as garage solves it
            coefficients = np.linalg.lstsq(gram + reg_coeff * np.identity(len(gram)), moments, rcond=None)[0]
            if np.all(np.isfinite(coefficients)):
                self.coefficients = th.as_tensor(coefficients)
                return
            reg_coeff *= 10

    def state_dict(self) -> dict[str, Any]:
        return {"coefficients": self.coefficients.clone()}

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> None:
        self.coefficients = state_dict["coefficients"].detach().cpu().double()
