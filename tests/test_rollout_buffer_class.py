"""
``rollout_buffer_class`` and ``rollout_buffer_kwargs``, as A2C and PPO have them: a user's subclass of our
whole-episode buffers is used (in training and after loading), its keyword arguments reach it together with
``max_rollout_steps``, and a buffer that is not a whole-episode buffer is refused.
"""

import re

import numpy as np
import pytest
from sb3_contrib.common.envs import InvalidActionEnvDiscrete
from sb3_contrib.common.maskable.buffers import MaskableRolloutBuffer
from stable_baselines3.common.buffers import DictRolloutBuffer, RolloutBuffer
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.envs import IdentityEnv, SimpleMultiObsEnv

from sb3_reinforce import REINFORCE, MaskableREINFORCE
from sb3_reinforce.buffers import ReinforceDictRolloutBuffer, ReinforceRolloutBuffer
from sb3_reinforce.reinforce_mask.buffers import MaskableReinforceRolloutBuffer

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class TaggedBuffer(ReinforceRolloutBuffer):
    """A user's buffer: an extra constructor argument, and a count of the steps it is given."""

    def __init__(self, *args, tag: str = "", **kwargs):
        self.tag = tag
        self.n_added = 0
        super().__init__(*args, **kwargs)

    def add(self, *args, **kwargs) -> None:
        self.n_added += 1
        super().add(*args, **kwargs)


class TaggedDictBuffer(TaggedBuffer, ReinforceDictRolloutBuffer):
    pass


class TaggedMaskableBuffer(MaskableReinforceRolloutBuffer):
    def __init__(self, *args, tag: str = "", **kwargs):
        self.tag = tag
        self.n_added = 0
        super().__init__(*args, **kwargs)

    def add(self, *args, **kwargs) -> None:
        self.n_added += 1
        super().add(*args, **kwargs)


# (algorithm, env, a user's buffer, the buffer picked without rollout_buffer_class)
CASES = {
    "REINFORCE": (
        REINFORCE,
        lambda: IdentityEnv(dim=3, ep_length=10),
        TaggedBuffer,
        ReinforceRolloutBuffer,
    ),
    "REINFORCE-dict": (
        REINFORCE,
        lambda: SimpleMultiObsEnv(random_start=True),
        TaggedDictBuffer,
        ReinforceDictRolloutBuffer,
    ),
    "MaskableREINFORCE": (
        MaskableREINFORCE,
        lambda: InvalidActionEnvDiscrete(dim=5, ep_length=10, n_invalid_actions=2),
        TaggedMaskableBuffer,
        MaskableReinforceRolloutBuffer,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_user_buffer_class_is_used_and_saved(tmp_path, case):
    algo, make_env, buffer_class, default_class = CASES[case]
    env = make_vec_env(make_env, n_envs=2, seed=0)
    policy = "MultiInputPolicy" if case.endswith("dict") else "MlpPolicy"
    model = algo(
        policy,
        env,
        n_steps=4,
        max_rollout_steps=300,
        rollout_buffer_class=buffer_class,
        rollout_buffer_kwargs={"tag": "mine"},
        seed=0,
    )
    # _setup_model keeps the user's class: not replaced by the default one
    assert type(model.rollout_buffer) is buffer_class
    assert model.rollout_buffer.tag == "mine"
    assert model.rollout_buffer.max_size == 300
    model.learn(40)
    assert model.rollout_buffer.n_added == model.num_timesteps // 2  # every step of the 2 envs went through it
    assert model.rollout_buffer.pos > 4, "the rollout grew the buffer past n_steps"

    model.save(tmp_path / "model.zip")
    loaded = algo.load(tmp_path / "model.zip", env=env)
    assert type(loaded.rollout_buffer) is buffer_class
    assert loaded.rollout_buffer.tag == "mine"
    assert loaded.rollout_buffer.max_size == 300
    loaded.learn(20)
    assert loaded.rollout_buffer.n_added > 0

    # Without rollout_buffer_class, the default for the observation space (as before)
    model = algo(policy, env, n_steps=4, max_rollout_steps=300, seed=0)
    assert type(model.rollout_buffer) is default_class
    assert model.rollout_buffer.max_size == 300


@pytest.mark.parametrize(
    "algo, refused, base_name",
    [
        (REINFORCE, RolloutBuffer, "sb3_reinforce.buffers.ReinforceRolloutBuffer"),
        (REINFORCE, DictRolloutBuffer, "sb3_reinforce.buffers.ReinforceRolloutBuffer"),
        (MaskableREINFORCE, RolloutBuffer, "sb3_reinforce.reinforce_mask.buffers.MaskableReinforceRolloutBuffer"),
        (MaskableREINFORCE, MaskableRolloutBuffer, "sb3_reinforce.reinforce_mask.buffers.MaskableReinforceRolloutBuffer"),
        # REINFORCE's buffer does not store the masks
        (MaskableREINFORCE, ReinforceRolloutBuffer, "sb3_reinforce.reinforce_mask.buffers.MaskableReinforceRolloutBuffer"),
        (REINFORCE, "ReinforceRolloutBuffer", "sb3_reinforce.buffers.ReinforceRolloutBuffer"),
    ],
)
def test_buffer_class_that_is_not_a_whole_episode_buffer_is_refused(algo, refused, base_name):
    env = InvalidActionEnvDiscrete(dim=5, ep_length=10, n_invalid_actions=2)
    message = re.escape(f"rollout_buffer_class must be a subclass of {base_name} ") + ".*" + re.escape(f"got {refused!r}")
    with pytest.raises(ValueError, match=message):
        algo("MlpPolicy", env, rollout_buffer_class=refused)


@pytest.mark.parametrize("algo", [REINFORCE, MaskableREINFORCE])
def test_max_size_comes_from_max_rollout_steps(algo):
    env = InvalidActionEnvDiscrete(dim=5, ep_length=10, n_invalid_actions=2)
    with pytest.raises(ValueError, match=r"rollout_buffer_kwargs must not set max_size: .* is max_rollout_steps"):
        algo("MlpPolicy", env, rollout_buffer_kwargs={"max_size": 50})
    model = algo("MlpPolicy", env, n_steps=4, max_rollout_steps=50)
    assert model.rollout_buffer.max_size == 50
    assert model.rollout_buffer_kwargs == {"max_size": 50}
    assert np.shape(model.rollout_buffer.rewards) == (4, 1)
