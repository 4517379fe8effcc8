"""
MaskableREINFORCE: invalid actions are never taken (training, predict, save/load), the loss uses the masked
distribution, masking speeds up learning, MaskablePPO's errors and options, and the equivalents of
sb3-contrib's tests/test_invalid_actions.py.
"""

import numpy as np
import pytest
import torch as th
from gymnasium import spaces
from sb3_contrib.common.envs import InvalidActionEnvDiscrete, InvalidActionEnvMultiBinary, InvalidActionEnvMultiDiscrete
from sb3_contrib.common.maskable.callbacks import MaskableEvalCallback
from sb3_contrib.common.maskable.distributions import make_masked_proba_distribution
from sb3_contrib.common.maskable.evaluation import evaluate_policy
from sb3_contrib.common.maskable.utils import get_action_masks, is_masking_supported
from sb3_contrib.common.wrappers import ActionMasker
from stable_baselines3.common.callbacks import EvalCallback, EventCallback, StopTrainingOnNoModelImprovement
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.envs import FakeImageEnv, IdentityEnv, IdentityEnvBox, IdentityEnvMultiDiscrete
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.vec_env import SubprocVecEnv

from sb3_reinforce import REINFORCE, MaskableREINFORCE
from sb3_reinforce.buffers import ReinforceRolloutBufferSamples
from sb3_reinforce.reinforce_mask import CnnPolicy, MlpPolicy, MultiInputPolicy
from sb3_reinforce.reinforce_mask.buffers import MaskableReinforceRolloutBufferSamples
from tests.envs import InvalidActionError, RaiseOnInvalidAction, ToDictWrapper, flat_mask_indices
from tests.pages import DOCS, example

EP_LENGTH = 20

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# sb3-contrib's identity envs with masks: the observation is the action to take; some wrong actions are invalid
MASKED_ENVS = {
    "Discrete": lambda: InvalidActionEnvDiscrete(dim=20, ep_length=EP_LENGTH, n_invalid_actions=10),
    "MultiDiscrete": lambda: InvalidActionEnvMultiDiscrete(dims=[3, 4], ep_length=EP_LENGTH, n_invalid_actions=3),
    "MultiBinary": lambda: InvalidActionEnvMultiBinary(dims=3, ep_length=EP_LENGTH, n_invalid_actions=2),
}
# Every action but the right one invalid: a random model succeeds with masks
ONE_VALID_ENVS = {
    "Discrete": lambda: InvalidActionEnvDiscrete(dim=20, ep_length=EP_LENGTH, n_invalid_actions=19),
    "MultiDiscrete": lambda: InvalidActionEnvMultiDiscrete(dims=[3, 4], ep_length=EP_LENGTH, n_invalid_actions=5),
    "MultiBinary": lambda: InvalidActionEnvMultiBinary(dims=3, ep_length=EP_LENGTH, n_invalid_actions=3),
}
SPACES = list(MASKED_ENVS)


def raising_vec_env(space: str, n_envs: int = 2, seed: int = 0, **kwargs):
    return make_vec_env(lambda: RaiseOnInvalidAction(MASKED_ENVS[space]()), n_envs=n_envs, seed=seed, **kwargs)


def assert_valid(action_space: spaces.Space, actions: np.ndarray, masks: np.ndarray) -> None:
    for action, mask in zip(actions, masks, strict=True):
        assert mask[flat_mask_indices(action_space, action)].all(), (action, mask.astype(int))


def test_samples_extend_reinforce_samples():
    """MaskableReinforceRolloutBufferSamples repeats ReinforceRolloutBufferSamples' fields (a NamedTuple cannot extend
    another): the same names, types and order, then the masks, so the buffer's ``(*samples, action_masks=...)`` holds."""
    assert MaskableReinforceRolloutBufferSamples._fields == (*ReinforceRolloutBufferSamples._fields, "action_masks")
    assert MaskableReinforceRolloutBufferSamples.__annotations__ == {
        **ReinforceRolloutBufferSamples.__annotations__,
        "action_masks": th.Tensor,
    }


def test_policy_aliases():
    assert MaskableREINFORCE.policy_aliases == {
        "MlpPolicy": MlpPolicy,
        "CnnPolicy": CnnPolicy,
        "MultiInputPolicy": MultiInputPolicy,
    }


@pytest.mark.parametrize("baseline", ["none", "value"])
@pytest.mark.parametrize("space", SPACES)
def test_invalid_actions_never_taken_in_training(space, baseline):
    """The env raises on an invalid action. n_steps=4 < episode length, so the buffer grows during rollouts:
    the masks stored for each step are the ones the env gave."""
    env = raising_vec_env(space)
    model = MaskableREINFORCE("MlpPolicy", env, n_steps=4, baseline=baseline, seed=0)
    model.learn(400)
    assert model._n_updates >= 5
    buffer = model.rollout_buffer
    assert buffer.pos > 4 and buffer.buffer_size > 4
    for env_idx, mask_history in enumerate(env.get_attr("mask_history")):
        # The last rollout's steps are the last ones the env took
        history = np.array(mask_history[-buffer.pos :], dtype=np.float32)
        np.testing.assert_array_equal(buffer.action_masks[: buffer.pos, env_idx], history)


@pytest.mark.parametrize("space", SPACES)
def test_predict_with_masks_and_after_save_load(tmp_path, space):
    """With one valid choice per sub-action, predict must return it, whatever the (untrained) policy prefers;
    and with fewer invalid actions, sampled predictions avoid them. The same after save/load."""
    model = MaskableREINFORCE("MlpPolicy", raising_vec_env(space), n_steps=8, seed=0)
    model.learn(200)
    env = ONE_VALID_ENVS[space]()
    observations, masks = zip(*[(env.reset()[0], np.array(env.action_masks())) for _ in range(30)], strict=True)
    observations, masks = np.array(observations), np.array(masks)
    partial_env = MASKED_ENVS[space]()
    partial_obs, partial_masks = zip(
        *[(partial_env.reset()[0], np.array(partial_env.action_masks())) for _ in range(30)], strict=True
    )
    partial_obs, partial_masks = np.array(partial_obs), np.array(partial_masks)

    def check(agent: MaskableREINFORCE) -> np.ndarray:
        deterministic, state = agent.predict(observations, deterministic=True, action_masks=masks)
        assert state is None
        # In these envs the right action equals the observation; it is the only valid one
        np.testing.assert_array_equal(deterministic.reshape(observations.shape), observations)
        for deterministic_flag in (False, True):
            actions, _ = agent.predict(partial_obs, deterministic=deterministic_flag, action_masks=partial_masks)
            assert_valid(env.action_space, actions, partial_masks)
        single, _ = agent.predict(observations[0], deterministic=True, action_masks=masks[0])  # unbatched
        np.testing.assert_array_equal(single, deterministic[0])
        return agent.predict(partial_obs, deterministic=True, action_masks=partial_masks)[0]

    before = check(model)
    model.save(tmp_path / "model.zip")
    loaded = MaskableREINFORCE.load(tmp_path / "model.zip")
    np.testing.assert_array_equal(check(loaded), before)
    assert isinstance(loaded.policy, MlpPolicy)
    # sb3-contrib's evaluation: a model with masks solves the one-valid-action task
    evaluate_policy(loaded, ONE_VALID_ENVS[space](), n_eval_episodes=3, reward_threshold=EP_LENGTH - 0.5, warn=False)


@pytest.mark.parametrize("baseline", ["none", "value"])
@pytest.mark.parametrize("space", SPACES)
def test_loss_uses_sb3_contrib_masked_distribution(space, baseline):
    """The loss's log-probabilities and entropy are those of sb3-contrib's masked distributions
    (MaskableCategorical-, MaskableMultiCategorical-, MaskableBernoulliDistribution), built here independently."""
    model = MaskableREINFORCE(
        "MlpPolicy", raising_vec_env(space), n_steps=8, baseline=baseline, normalize_advantage=False, seed=0
    )
    _, callback = model._setup_learn(10_000, None)
    assert model.collect_rollouts(model.env, callback, model.rollout_buffer, model.n_steps)
    data = next(model.rollout_buffer.get())
    assert (data.action_masks == 0).any(), "the rollout must hold masked actions"
    _, logs = model.compute_loss(data)

    policy = model.policy
    with th.no_grad():
        logits = policy.action_net(policy.mlp_extractor.forward_actor(policy.extract_features(data.observations)))
        values = policy.predict_values(data.observations).flatten()
    actions = data.actions.long().flatten() if isinstance(model.action_space, spaces.Discrete) else data.actions
    weights = data.returns - values if baseline == "value" else data.returns
    scale = 1.0 / (model.n_steps * model.n_envs)

    def losses(masks) -> tuple[float, float, float]:
        """The loss with the 1/C scale, and SB3's policy and entropy losses (means over the steps)."""
        distribution = make_masked_proba_distribution(model.action_space).proba_distribution(logits)
        distribution.apply_masking(masks)
        weighted, entropy = weights * distribution.log_prob(actions), distribution.entropy()
        return (-weighted.sum() * scale).item(), -weighted.mean().item(), -entropy.mean().item()

    masked_loss, masked_policy_loss, masked_entropy_loss = losses(data.action_masks)
    assert logs["loss"] == pytest.approx(masked_loss, rel=1e-5, abs=1e-7)
    assert logs["policy_loss"] == pytest.approx(masked_policy_loss, rel=1e-5, abs=1e-7)
    assert logs["entropy_loss"] == pytest.approx(masked_entropy_loss, rel=1e-5)
    # The masks matter: the unmasked distribution gives other values
    _, unmasked_policy_loss, unmasked_entropy_loss = losses(None)
    assert logs["entropy_loss"] != pytest.approx(unmasked_entropy_loss, rel=1e-3)
    assert logs["policy_loss"] != pytest.approx(unmasked_policy_loss, rel=1e-3)


@pytest.mark.parametrize("seed", [0, 1])
def test_masking_beats_no_masking(seed):
    """sb3-contrib's identity test: 70 actions, 55 of them invalid (never the right one). At the same budget,
    MaskableREINFORCE gets much more reward than REINFORCE without masks (measured on seeds 0-2:
    0.78, 0.84, 0.72 of the maximum against 0.39, 0.23, 0.17)."""

    def make_env():
        return InvalidActionEnvDiscrete(dim=70, ep_length=EP_LENGTH, n_invalid_actions=55)

    rewards = {}
    for algo in (MaskableREINFORCE, REINFORCE):
        model = algo("MlpPolicy", make_vec_env(make_env, n_envs=4, seed=seed), gamma=0.4, seed=seed)
        model.learn(2_000)
        use_masking = algo is MaskableREINFORCE
        mean_reward, _ = evaluate_policy(model, make_env(), n_eval_episodes=10, warn=False, use_masking=use_masking)
        rewards[algo.__name__] = mean_reward / EP_LENGTH
    assert rewards["MaskableREINFORCE"] >= 0.6, rewards
    assert rewards["MaskableREINFORCE"] >= rewards["REINFORCE"] + 0.3, rewards


def test_env_without_masks():
    """As MaskablePPO: a ValueError when masking is on and the env gives no masks; use_masking=False works."""
    for env in (IdentityEnv(dim=2, ep_length=EP_LENGTH), make_vec_env(IdentityEnv, n_envs=2, env_kwargs={"dim": 2})):
        assert not is_masking_supported(env)
        model = MaskableREINFORCE("MlpPolicy", env, n_steps=8, seed=0)
        with pytest.raises(ValueError, match=r"does not support action masking\. Consider using ActionMasker"):
            model.learn(100)
        with pytest.raises(ValueError, match="does not support action masking"):
            model.collect_rollouts(model.env, None, model.rollout_buffer, 8, use_masking=True)
        with pytest.raises(ValueError, match="does not support action masking"):
            evaluate_policy(model, env, warn=False)
        model.learn(100, use_masking=False)
        assert model.num_timesteps >= 100
        evaluate_policy(model, env, n_eval_episodes=2, warn=False, use_masking=False)


@pytest.mark.parametrize("env_class", [IdentityEnv, IdentityEnvMultiDiscrete])
def test_use_masking_false_trains_as_reinforce(env_class):
    """Without masks the stored masks are all ones and the update is REINFORCE's: the same seed gives the
    same actions, and the same parameters up to float rounding."""
    runs = []
    for algo, kwargs in ((MaskableREINFORCE, {"use_masking": False}), (REINFORCE, {})):
        env = make_vec_env(lambda: env_class(dim=4, ep_length=EP_LENGTH), n_envs=2, seed=0)
        model = algo("MlpPolicy", env, n_steps=8, seed=0)
        model.learn(300, **kwargs)
        buffer = model.rollout_buffer
        runs.append((model.policy.state_dict(), buffer.actions[: buffer.pos].copy()))
    (masked_params, masked_actions), (params, actions) = runs
    np.testing.assert_array_equal(masked_actions, actions)
    for name, tensor in params.items():
        th.testing.assert_close(masked_params[name], tensor, rtol=0, atol=1e-6, msg=name)


def test_use_masking_false_on_masked_env():
    env = make_vec_env(MASKED_ENVS["Discrete"], n_envs=2, seed=0)
    model = MaskableREINFORCE("MlpPolicy", env, n_steps=8, seed=0)
    model.learn(200, use_masking=False)
    assert (model.rollout_buffer.action_masks == 1).all()
    model.learn(200, use_masking=True)
    assert (model.rollout_buffer.action_masks[: model.rollout_buffer.pos] == 0).any()


def test_maskable_policy_required():
    with pytest.raises(ValueError, match=r"needs a policy that subclasses sb3-contrib's MaskableActorCriticPolicy"):
        MaskableREINFORCE(ActorCriticPolicy, MASKED_ENVS["Discrete"]())


@pytest.mark.parametrize("env", [IdentityEnvBox, "Pendulum-v1"], ids=["IdentityEnvBox", "Pendulum-v1"])
def test_discrete_action_space_required(env):
    """sb3-contrib's test of the same name: Box actions are refused before anything is built, with an error that
    names the space, the spaces masks apply to, and the class that takes Box actions (SB3's assertion listed the
    supported classes' reprs)."""
    env = env if isinstance(env, str) else env()
    message = (
        r"MaskableREINFORCE cannot mask the env's action space Box\(.*\) \(Box\): action masks apply to Discrete, "
        r"MultiDiscrete and MultiBinary action spaces\. Use REINFORCE for this env: it takes Box actions\."
    )
    with pytest.raises(ValueError, match=message):
        MaskableREINFORCE("MlpPolicy", env)
    with pytest.raises(ValueError, match=message):
        MaskableREINFORCE("MlpPolicy", env, _init_setup_model=False)


def test_hyperparameters_checked_as_reinforce():
    with pytest.raises(ValueError, match=r"n_steps must be in \[1, inf\], got n_steps=0"):
        MaskableREINFORCE("MlpPolicy", MASKED_ENVS["Discrete"](), n_steps=0)


def test_subproc_vec_env():
    env = raising_vec_env("Discrete", vec_env_cls=SubprocVecEnv)
    assert is_masking_supported(env) and get_action_masks(env).shape == (2, 20)
    model = MaskableREINFORCE("MlpPolicy", env, n_steps=8, seed=0)
    model.learn(200)
    evaluate_policy(model, env, n_eval_episodes=2, warn=False)
    env.close()


def test_cnn_policy():
    """Image observations, masks from an ActionMasker (one invalid action, changing with the step)."""

    def make_env():
        def mask_fn(env) -> np.ndarray:
            return np.arange(env.action_space.n) != env.unwrapped.current_step % env.action_space.n

        env = ActionMasker(FakeImageEnv(screen_height=40, screen_width=40, n_channels=1), mask_fn)
        return RaiseOnInvalidAction(env)

    model = MaskableREINFORCE(
        "CnnPolicy", make_vec_env(make_env, n_envs=2, seed=0), n_steps=8, seed=0,
        policy_kwargs={"features_extractor_kwargs": {"features_dim": 16}},
    )  # fmt: skip
    model.learn(100)
    evaluate_policy(model, make_env(), n_eval_episodes=2, warn=False)


@pytest.mark.parametrize("space", SPACES)
def test_dict_observations(space):
    env = make_vec_env(lambda: ToDictWrapper(RaiseOnInvalidAction(MASKED_ENVS[space]())), n_envs=2, seed=0)
    model = MaskableREINFORCE("MultiInputPolicy", env, n_steps=8, seed=0)
    model.learn(200)
    assert isinstance(model.rollout_buffer.observations, dict)
    # Every action but the right one masked: a random model succeeds
    model = MaskableREINFORCE("MultiInputPolicy", ToDictWrapper(ONE_VALID_ENVS[space]()), seed=0)
    evaluate_policy(model, ToDictWrapper(ONE_VALID_ENVS[space]()), reward_threshold=EP_LENGTH - 0.5, warn=False)


def test_masked_evaluation():
    """Masking can be turned off in evaluation, but the masked evaluation does better (sb3-contrib's test)."""
    env = ONE_VALID_ENVS["Discrete"]()
    model = MaskableREINFORCE("MlpPolicy", env, seed=0)
    masked, _ = evaluate_policy(model, env, n_eval_episodes=5, warn=False)
    unmasked, _ = evaluate_policy(model, env, n_eval_episodes=5, warn=False, use_masking=False)
    assert masked == EP_LENGTH and masked > unmasked


def test_maskable_eval_callback(tmp_path):
    """MaskableEvalCallback evaluates with masks (the eval env raises otherwise), with child callbacks;
    SB3's own EvalCallback takes invalid actions."""
    model = MaskableREINFORCE("MlpPolicy", raising_vec_env("Discrete"), n_steps=8, seed=0)
    stop = StopTrainingOnNoModelImprovement(max_no_improvement_evals=1, min_evals=2)
    new_best = EventCallback()
    callback = MaskableEvalCallback(
        Monitor(RaiseOnInvalidAction(MASKED_ENVS["Discrete"]())),
        eval_freq=25,
        n_eval_episodes=2,
        log_path=str(tmp_path),
        callback_after_eval=stop,
        callback_on_new_best=new_best,
    )
    model.learn(2_000, callback=callback, progress_bar=True)
    assert (tmp_path / "evaluations.npz").is_file()
    assert new_best.n_calls > 0 and stop.n_calls >= new_best.n_calls

    unmasked = EvalCallback(RaiseOnInvalidAction(MASKED_ENVS["Discrete"]()), eval_freq=25, n_eval_episodes=2)
    with pytest.raises(InvalidActionError):
        model.learn(200, callback=unmasked)


def test_same_seed_same_result_and_tensorboard(tmp_path):
    def trained(seed: int) -> dict[str, th.Tensor]:
        model = MaskableREINFORCE("MlpPolicy", raising_vec_env("MultiDiscrete", seed=seed), n_steps=8, seed=seed,
                                  tensorboard_log=str(tmp_path))  # fmt: skip
        model.learn(300)
        return model.policy.state_dict()

    first, second, other = trained(3), trained(3), trained(4)
    for name in first:
        th.testing.assert_close(first[name], second[name], rtol=0, atol=0, msg=name)
    assert any(not th.equal(first[name], other[name]) for name in first)
    assert sorted(path.name for path in tmp_path.iterdir()) == [f"MaskableREINFORCE_{i}" for i in (1, 2, 3)]


def test_save_load_continues_training_and_set_env(tmp_path):
    model = MaskableREINFORCE(
        "MlpPolicy", raising_vec_env("Discrete"), n_steps=8, baseline="value", bootstrap_truncated=True, seed=0
    )
    model.learn(300)
    model.save(tmp_path / "model.zip")
    loaded = MaskableREINFORCE.load(tmp_path / "model.zip", env=raising_vec_env("Discrete", seed=1))
    assert loaded.baseline == "value" and loaded.bootstrap_truncated and loaded.n_steps == 8
    assert loaded.policy.optimizer.state_dict()["state"], "the optimizer's moments are restored"
    loaded.learn(300, reset_num_timesteps=False)
    assert loaded.num_timesteps >= model.num_timesteps + 300
    loaded.set_env(raising_vec_env("Discrete", seed=2))
    loaded.learn(200, reset_num_timesteps=False)
    with pytest.raises(ValueError, match="spaces do not match"):
        loaded.set_env(raising_vec_env("MultiDiscrete"))


def test_readme_example(tmp_path, monkeypatch):
    """The MaskableREINFORCE page's worked example runs, and its agent picks the best items (2.6) with masks."""
    code = example(DOCS / "modules" / "reinforce_mask.md", "mask")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "readme_example"}
    exec(code, namespace)
    assert namespace["eval_callback"].best_mean_reward == pytest.approx(2.6)
    assert namespace["mean_reward"] == pytest.approx(2.6)
    assert (tmp_path / "reinforce_mask_pick_items.zip").is_file()
