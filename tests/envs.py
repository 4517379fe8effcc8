"""Small purpose-built environments for the tests."""

from bisect import bisect_right
from typing import Any

import gymnasium as gym
import numpy as np
import torch as th
from gymnasium import spaces


class ChainMDP(gym.Env):
    """
    A 4-state chain whose expected return, and its gradient, are computed exactly (``exact_return``).

    States 0, 1, 2 are non-terminal, state 3 is terminal. The start state is 0 or 1 with equal odds.
    Action 1 moves right w.p. 0.8 (else stays), action 0 moves left (floored at 0) w.p. 0.8 (else stays).
    Each step in state s pays ``STEP_REWARD[s]``; reaching the terminal state pays 1 more.
    A time limit of ``horizon`` steps truncates the episode. Episode lengths depend strongly on the
    actions and short episodes have high returns, so a length-biased estimator shows.

    :param horizon: Steps after which the episode is truncated
    """

    N_STATES = 4
    TERMINAL = 3
    START = np.array([0.5, 0.5, 0.0, 0.0])
    STEP_REWARD = np.array([-0.2, 0.1, -0.1, 0.0])

    def __init__(self, horizon: int = 12):
        self.horizon = horizon
        self.observation_space = spaces.Discrete(self.N_STATES)
        self.action_space = spaces.Discrete(2)
        self.state = 0
        self.steps = 0
        # Cumulative distributions of the start state and of each (s, a)'s next state, for ``draw``
        self._start_cdf = self.cumulative(self.START)
        self._next_cdf = [[self.cumulative(p) for p in row] for row in self.transitions()]

    @staticmethod
    def cumulative(probs: np.ndarray) -> list[float]:
        """The distribution's cumulative sums, normalised as numpy's ``Generator.choice`` normalises them."""
        cdf = probs.cumsum()
        return (cdf / cdf[-1]).tolist()

    def draw(self, cdf: list[float]) -> int:
        """
        An index drawn from a cumulative distribution: ``self.np_random.choice(len(p), p=p)`` computed the way that
        method computes it (one uniform draw, the first cumulative sum above it), so the draws are the same, at
        a tenth of its cost (the unbiasedness tests step these envs about 100,000 times each).
        """
        return bisect_right(cdf, self.np_random.random())

    @classmethod
    def transitions(cls) -> np.ndarray:
        """P[s, a, s'], with the terminal state absorbing."""
        p = np.zeros((cls.N_STATES, 2, cls.N_STATES))
        for s in range(cls.TERMINAL):
            p[s, 0, max(s - 1, 0)] += 0.8
            p[s, 0, s] += 0.2
            p[s, 1, s + 1] += 0.8
            p[s, 1, s] += 0.2
        p[cls.TERMINAL, :, cls.TERMINAL] = 1.0
        return p

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[int, dict]:
        super().reset(seed=seed)
        self.state = self.draw(self._start_cdf)
        self.steps = 0
        return self.state, {}

    def step(self, action: int) -> tuple[int, float, bool, bool, dict[str, Any]]:
        next_state = self.draw(self._next_cdf[self.state][int(action)])
        reward = self.STEP_REWARD[self.state] + float(next_state == self.TERMINAL)
        self.state = next_state
        self.steps += 1
        terminated = next_state == self.TERMINAL
        return next_state, float(reward), terminated, self.steps >= self.horizon, {}

    @classmethod
    def exact_return(cls, action_probs: th.Tensor, horizon: int, gamma: float) -> th.Tensor:
        """
        J = E[sum_{t<H} gamma^t r_t] by dynamic programming over the state distribution d_t,
        differentiable with respect to the policy's probabilities pi[s, a].

        :param action_probs: pi[s, a], shape (N_STATES, 2)
        :param horizon: The time limit H
        :param gamma: Discount factor
        """
        p = th.as_tensor(cls.transitions(), dtype=th.float64)
        # Expected reward of (s, a): the step reward plus the chance of reaching the terminal state
        expected_reward = th.as_tensor(cls.STEP_REWARD, dtype=th.float64)[:, None] + p[:, :, cls.TERMINAL]
        pi = action_probs.double()
        non_terminal = th.ones(cls.N_STATES, dtype=th.float64)
        non_terminal[cls.TERMINAL] = 0.0
        state_dist = th.as_tensor(cls.START, dtype=th.float64)
        objective = th.zeros((), dtype=th.float64)
        for t in range(horizon):
            objective = objective + gamma**t * (state_dist * (pi * expected_reward).sum(1)).sum()
            state_dist = th.einsum("s,sa,sat->t", state_dist, pi, p) * non_terminal
        return objective


class NeverEndingEnv(gym.Env):
    """An env that never terminates nor truncates: REINFORCE must refuse it with a clear error."""

    def __init__(self):
        self.observation_space = spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        self.action_space = spaces.Discrete(2)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        return np.zeros(2, dtype=np.float32), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        return np.zeros(2, dtype=np.float32), 1.0, False, False, {}


class ScriptedEnv(gym.Env):
    """
    An env whose episodes have the given lengths, one after the other (cycling), whatever the actions.
    The reward of step k of an episode is ``k + 1``; the observation is the step index.
    Episodes end by termination, or by truncation when ``truncate`` is set.

    :param lengths: Length of each successive episode
    :param truncate: End episodes by time-limit truncation instead of termination
    """

    def __init__(self, lengths: list[int], truncate: bool = False):
        self.lengths = lengths
        self.truncate = truncate
        self.observation_space = spaces.Box(0.0, np.inf, shape=(1,), dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self.episode = -1
        self.step_idx = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.episode += 1
        self.step_idx = 0
        return np.array([0.0], dtype=np.float32), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        self.step_idx += 1
        reward = float(self.step_idx)
        ended = self.step_idx >= self.lengths[self.episode % len(self.lengths)]
        obs = np.array([self.step_idx], dtype=np.float32)
        return obs, reward, ended and not self.truncate, ended and self.truncate, {}


class BoxActionEnv(gym.Env):
    """
    An env with a Box action space of any shape, which raises if an action has another shape or leaves the
    bounds: REINFORCE must hand the env actions shaped and clipped (or unscaled) as SB3 does.
    The reward is minus the squared distance of the action to ``TARGET`` times the observation.

    :param shape: Shape of the action space
    :param ep_length: Steps per episode
    """

    TARGET = 0.5

    def __init__(self, shape: tuple[int, ...] = (2, 2), ep_length: int = 10):
        self.observation_space = spaces.Box(-1.0, 1.0, shape=(3,), dtype=np.float32)
        self.action_space = spaces.Box(-1.0, 1.0, shape=shape, dtype=np.float32)
        self.ep_length = ep_length
        self.steps = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.steps = 0
        return self._observation(), {}

    def _observation(self) -> np.ndarray:
        return self.np_random.uniform(-1.0, 1.0, size=3).astype(np.float32)

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        action = np.asarray(action)
        if action.shape != self.action_space.shape:
            raise ValueError(f"action of shape {action.shape}, expected {self.action_space.shape}")
        if not (np.all(action >= self.action_space.low) and np.all(action <= self.action_space.high)):
            raise ValueError(f"action {action} out of bounds")
        self.steps += 1
        reward = -float(np.sum((action - self.TARGET) ** 2))
        return self._observation(), reward, False, self.steps >= self.ep_length, {}


class MaskedChainMDP(ChainMDP):
    """
    ``ChainMDP`` with a third action and invalid-action masks that change the exact gradient.

    Action 2 jumps two states right w.p. 0.5 (else stays). ``MASKS[s]`` gives the valid actions of state s:
    in state 0 moving left is invalid, in state 1 jumping is; state 2 allows all three. The policy is the
    masked softmax, so ``exact_return`` takes its (masked) probabilities. Stepping with an invalid action raises.

    :param horizon: Steps after which the episode is truncated
    """

    N_ACTIONS = 3
    MASKS = np.array([[False, True, True], [True, True, False], [True, True, True], [True, True, True]])

    def __init__(self, horizon: int = 12):
        super().__init__(horizon)
        self.action_space = spaces.Discrete(self.N_ACTIONS)

    @classmethod
    def transitions(cls) -> np.ndarray:
        """P[s, a, s'], with the terminal state absorbing."""
        p = np.zeros((cls.N_STATES, cls.N_ACTIONS, cls.N_STATES))
        p[:, :2] = super().transitions()
        for s in range(cls.TERMINAL):
            p[s, 2, min(s + 2, cls.TERMINAL)] += 0.5
            p[s, 2, s] += 0.5
        p[cls.TERMINAL, :, cls.TERMINAL] = 1.0
        return p

    def action_masks(self) -> np.ndarray:
        return self.MASKS[self.state]

    def step(self, action: int) -> tuple[int, float, bool, bool, dict[str, Any]]:
        if not self.MASKS[self.state, int(action)]:
            raise InvalidActionError(f"action {action} is invalid in state {self.state}")
        return super().step(action)


class InvalidActionError(RuntimeError):
    """An env was stepped with an action its mask declared invalid."""


def flat_mask_indices(action_space: spaces.Space, action: Any) -> np.ndarray:
    """
    The positions, in sb3-contrib's flat mask layout, of the choices an action makes.

    :param action_space: Discrete, MultiDiscrete or MultiBinary
    :param action: An action of that space
    :return: One index per sub-action
    """
    action = np.asarray(action, dtype=np.int64).reshape(-1)
    if isinstance(action_space, spaces.Discrete):
        return action
    if isinstance(action_space, spaces.MultiDiscrete):
        offsets = np.concatenate([[0], np.cumsum(action_space.nvec)[:-1]])
        return offsets + action
    return 2 * np.arange(len(action)) + action  # MultiBinary: two outcomes per sub-action


class RaiseOnInvalidAction(gym.Wrapper):
    """
    Raises ``InvalidActionError`` when stepped with an action that the wrapped env's ``action_masks()`` forbids,
    and records the masks of every step in ``mask_history``.

    :param env: An env with an ``action_masks()`` method (or wrapped in ``ActionMasker``)
    """

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.mask_history: list[np.ndarray] = []

    def action_masks(self) -> np.ndarray:
        return np.asarray(self.env.get_wrapper_attr("action_masks")(), dtype=bool)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        masks = self.action_masks()
        self.mask_history.append(masks)
        chosen = flat_mask_indices(self.action_space, action)
        if not masks[chosen].all():
            raise InvalidActionError(f"action {action} is invalid under the masks {masks.astype(int)}")
        return self.env.step(action)


class ToDictWrapper(gym.Wrapper):
    """Puts the observation of the wrapped env in a Dict (key ``"obs"``), for ``MultiInputPolicy``."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.observation_space = spaces.Dict({"obs": env.observation_space})

    def reset(self, **kwargs) -> tuple[dict, dict]:
        obs, info = self.env.reset(**kwargs)
        return {"obs": obs}, info

    def step(self, action: Any) -> tuple[dict, float, bool, bool, dict]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        return {"obs": obs}, reward, terminated, truncated, info


class ForbiddenActionEnv(gym.Env):
    """
    Discrete(3) actions, a constant observation and 10-step episodes; stepping with action 1 raises
    ``InvalidActionError``. A policy that gives action 1 probability 0 runs here; one that samples it fails at once.
    """

    FORBIDDEN = 1
    observation_space = spaces.Box(-1.0, 1.0, (2,), np.float32)
    action_space = spaces.Discrete(3)

    def __init__(self, horizon: int = 10):
        self.horizon = horizon
        self.t = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.t = 0
        return np.ones(2, dtype=np.float32), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if int(action) == self.FORBIDDEN:
            raise InvalidActionError(f"action {self.FORBIDDEN} is forbidden")
        self.t += 1
        return np.ones(2, dtype=np.float32), float(action), False, self.t >= self.horizon, {}


class CueMDP(gym.Env):
    """
    A small POMDP whose best last action depends on a cue seen at the first step, with a random episode length.

    At reset a cue c in {0, 1} and a length L in ``LENGTHS`` are drawn uniformly. The observation is one-hot c
    at t = 0 (``[1, 0, 0]`` or ``[0, 1, 0]``), zeros in between, and ``[0, 0, 1]`` ("answer now") at t = L - 1.
    Actions: Discrete(2). Before the last step, action ``MID_ACTION`` (1) pays ``MID_REWARD``; at the last step, the
    action that equals c pays 1, and the episode terminates. No observation shows c after t = 0: only a memory can
    answer. The observations do not depend on the actions, so the expected return is a finite sum over (c, L).
    """

    LENGTHS = (2, 3, 4)
    MID_REWARD = 0.2
    MID_ACTION = 1
    observation_space = spaces.Box(0.0, 1.0, (3,), np.float32)
    action_space = spaces.Discrete(2)

    def __init__(self):
        self.cue, self.length, self.t = 0, 2, 0

    def _obs(self) -> np.ndarray:
        return self.observation(self.cue, self.length, self.t)

    @staticmethod
    def observation(cue: int, length: int, t: int) -> np.ndarray:
        obs = np.zeros(3, dtype=np.float32)
        if t == length - 1:
            obs[2] = 1.0
        elif t == 0:
            obs[cue] = 1.0
        return obs

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.cue = int(self.np_random.integers(2))
        self.length = int(self.np_random.choice(self.LENGTHS))
        self.t = 0
        return self._obs(), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        last = self.t == self.length - 1
        reward = float(int(action) == self.cue) if last else self.MID_REWARD * float(int(action) == self.MID_ACTION)
        self.t += 1
        return (np.zeros(3, dtype=np.float32) if last else self._obs()), reward, last, False, {}


class BlankCueMDP(CueMDP):
    """
    ``CueMDP`` whose length is never shown: one-hot c at t = 0, then the blank one-hot ``[0, 0, 1]`` at every later
    step, so the policy at step t depends on c and t only. Before the last step, action 0 pays 0.1.
    """

    MID_REWARD = 0.1
    MID_ACTION = 0

    @staticmethod
    def observation(cue: int, length: int, t: int) -> np.ndarray:
        obs = np.zeros(3, dtype=np.float32)
        obs[cue if t == 0 else 2] = 1.0
        return obs


class TinyFramesEnv(gym.Env):
    """36x36x1 uint8 frames (the smallest NatureCNN takes), 3 actions, 12-step episodes."""

    observation_space = spaces.Box(0, 255, (36, 36, 1), np.uint8)
    action_space = spaces.Discrete(3)

    def __init__(self):
        self.frames = np.random.default_rng(0).integers(0, 256, (12, 36, 36, 1), dtype=np.uint8)
        self.t = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.t = 0
        return self.frames[0], {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        self.t += 1
        return self.frames[self.t % 12], float(action == self.t % 3), False, self.t >= 12, {}
