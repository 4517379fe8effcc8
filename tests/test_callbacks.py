"""learn() as with A2C: callbacks, progress bar, tensorboard, logging keys, continued learning."""

import numpy as np
import pandas as pd
import pytest
import torch as th
from stable_baselines3.common.callbacks import (
    BaseCallback,
    CallbackList,
    CheckpointCallback,
    EvalCallback,
    StopTrainingOnMaxEpisodes,
    StopTrainingOnRewardThreshold,
)
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure
from stable_baselines3.common.vec_env import VecNormalize

from sb3_reinforce import REINFORCE
from sb3_reinforce.callbacks import FreezeVecNormalizeCallback, LogStdDecayCallback
from sb3_reinforce.reinforce_recurrent import RecurrentREINFORCE


class RecordParameters(BaseCallback):
    """The policy's parameters at every ``save_freq``-th step, where CheckpointCallback saves the model."""

    def __init__(self, save_freq: int):
        super().__init__()
        self.save_freq = save_freq
        self.saved: dict[int, dict[str, th.Tensor]] = {}

    def _on_step(self) -> bool:
        if self.n_calls % self.save_freq == 0:
            self.saved[self.num_timesteps] = {name: value.clone() for name, value in self.model.policy.state_dict().items()}
        return True


def test_callbacks(tmp_path):
    eval_env = make_vec_env("CartPole-v1", n_envs=1, seed=1)
    record = RecordParameters(save_freq=200)
    callback = CallbackList(
        [
            EvalCallback(eval_env, eval_freq=100, n_eval_episodes=2, log_path=str(tmp_path / "eval")),
            CheckpointCallback(save_freq=200, save_path=str(tmp_path / "checkpoints"), name_prefix="reinforce"),
            record,
        ]
    )
    model = REINFORCE("MlpPolicy", make_vec_env("CartPole-v1", n_envs=2, seed=0), n_steps=16, seed=0)
    model.learn(1_000, callback=callback)
    # An evaluation every 100 calls, i.e. every 200 steps of the 2 envs
    evaluations = np.load(tmp_path / "eval" / "evaluations.npz")
    np.testing.assert_array_equal(evaluations["timesteps"], 200 * np.arange(1, len(evaluations["timesteps"]) + 1))
    assert len(evaluations["timesteps"]) == model.num_timesteps // 200
    # A checkpoint every 200 calls (400 steps); each holds the policy of its step, and its step count
    checkpoints = {int(path.stem.split("_")[1]): path for path in (tmp_path / "checkpoints").glob("reinforce_*_steps.zip")}
    assert sorted(checkpoints) == sorted(record.saved) == [400 * k for k in range(1, model.num_timesteps // 400 + 1)]
    for steps, path in checkpoints.items():
        loaded = REINFORCE.load(path)
        assert loaded.num_timesteps == steps
        loaded_params = loaded.policy.state_dict()
        assert loaded_params.keys() == record.saved[steps].keys()
        for name, value in record.saved[steps].items():
            th.testing.assert_close(loaded_params[name], value, rtol=0, atol=0, msg=name)
    # The policy changed between the checkpoints, so comparing with the right one matters
    first, last = record.saved[min(record.saved)], record.saved[max(record.saved)]
    assert any(not th.equal(first[name], last[name]) for name in first)


def test_callback_stops_training():
    model = REINFORCE("MlpPolicy", "CartPole-v1", n_steps=16, seed=0)
    model.learn(100_000, callback=StopTrainingOnMaxEpisodes(max_episodes=3))
    assert model.num_timesteps < 1_000


def test_eval_callback_stops_on_reward_threshold():
    eval_env = make_vec_env("CartPole-v1", n_envs=1, seed=1)
    stop = StopTrainingOnRewardThreshold(reward_threshold=-1, verbose=0)
    model = REINFORCE("MlpPolicy", "CartPole-v1", n_steps=16, seed=0)
    model.learn(100_000, callback=EvalCallback(eval_env, callback_on_new_best=stop, eval_freq=50, n_eval_episodes=1))
    assert model.num_timesteps < 1_000


@pytest.mark.parametrize("baseline", ["none", "value", "linear"])
def test_logged_keys(tmp_path, baseline):
    model = REINFORCE("MlpPolicy", make_vec_env("CartPole-v1", n_envs=2, seed=0), n_steps=16, baseline=baseline, seed=0)
    model.set_logger(configure(str(tmp_path), ["csv"]))
    model.learn(1_000, log_interval=1)
    header = (tmp_path / "progress.csv").read_text().splitlines()[0].split(",")
    expected = {
        "rollout/ep_rew_mean",
        "rollout/batch_episodes",
        "rollout/batch_ep_rew_mean",
        "rollout/steps_collected",
        "rollout/steps_discarded",
        "time/fps",
        "train/policy_loss",
        "train/entropy_loss",
        "train/return_mean",
        "train/n_updates",
        "train/learning_rate",
    }
    if baseline != "none":
        expected |= {"train/value_loss", "train/explained_variance"}
    assert expected <= set(header), expected - set(header)


def test_std_logged_for_gaussian():
    model = REINFORCE("MlpPolicy", "Pendulum-v1", n_steps=16, seed=0)
    model.learn(1_000)
    assert model.logger.name_to_value["train/std"] == pytest.approx(1.0, abs=0.1)


def test_progress_bar_and_tensorboard(tmp_path):
    model = REINFORCE("MlpPolicy", "CartPole-v1", n_steps=16, tensorboard_log=str(tmp_path), seed=0)
    model.learn(300, progress_bar=True)
    model.learn(300, progress_bar=True, reset_num_timesteps=False)
    runs = sorted(path.name for path in tmp_path.iterdir())
    assert runs == ["REINFORCE_1"], runs  # reset_num_timesteps=False continues the same run
    assert list((tmp_path / "REINFORCE_1").glob("events.out.tfevents.*"))


def test_reset_num_timesteps():
    model = REINFORCE("MlpPolicy", "CartPole-v1", n_steps=16, seed=0)
    model.learn(300)
    first = model.num_timesteps
    model.learn(300, reset_num_timesteps=False)
    assert model.num_timesteps >= first + 300
    model.learn(300)
    assert model.num_timesteps < first + 300


def test_freeze_vec_normalize_callback(capsys):
    """The statistics change until after_timesteps, then stay as they were at that step; without it they keep changing."""
    env = VecNormalize(make_vec_env("CartPole-v1", n_envs=2, seed=0), norm_reward=False)
    model = REINFORCE("MlpPolicy", env, n_steps=16, seed=0)
    model.learn(600, callback=FreezeVecNormalizeCallback(after_timesteps=300, verbose=1))
    frozen_at = int(capsys.readouterr().out.split("VecNormalize statistics frozen at ")[1].split()[0])
    # The first step at or past 300 (2 envs: 300 itself)
    assert frozen_at == 300 and not env.training
    count, mean = env.obs_rms.count, env.obs_rms.mean.copy()
    assert count > 300  # every step and reset observation up to the freeze
    model.learn(300, reset_num_timesteps=False, callback=FreezeVecNormalizeCallback(after_timesteps=300))
    assert env.obs_rms.count == count and np.array_equal(env.obs_rms.mean, mean)
    # Without the callback, the same training keeps updating them
    control = VecNormalize(make_vec_env("CartPole-v1", n_envs=2, seed=0), norm_reward=False)
    REINFORCE("MlpPolicy", control, n_steps=16, seed=0).learn(600)
    assert control.training and control.obs_rms.count > count


@pytest.mark.parametrize("after_timesteps", [-1, 1.5, True, None])
def test_freeze_vec_normalize_callback_refuses_a_bad_step(after_timesteps):
    with pytest.raises(ValueError, match="after_timesteps must be an integer >= 0"):
        FreezeVecNormalizeCallback(after_timesteps=after_timesteps)


def test_freeze_vec_normalize_callback_needs_vec_normalize():
    model = REINFORCE("MlpPolicy", "CartPole-v1", n_steps=16, seed=0)
    with pytest.raises(ValueError, match="needs a training env wrapped in VecNormalize"):
        model.learn(100, callback=FreezeVecNormalizeCallback(after_timesteps=50))


class RecordRolloutStarts(BaseCallback):
    """At each rollout's start (after the callbacks before it): the step, log_std's largest entry, gSDE's matrix."""

    def __init__(self):
        super().__init__()
        self.rows: list[tuple[int, float, th.Tensor | None]] = []

    def _on_rollout_start(self) -> None:
        exploration_mat = getattr(self.model.policy.action_dist, "exploration_mat", None)
        matrix = None if exploration_mat is None else exploration_mat.detach().clone()
        self.rows.append((self.num_timesteps, float(self.model.policy.log_std.detach().max()), matrix))

    def _on_step(self) -> bool:
        return True


@pytest.mark.parametrize("algo", [REINFORCE, RecurrentREINFORCE])
@pytest.mark.parametrize("use_sde", [False, True])
def test_log_std_decay_callback(tmp_path, algo, use_sde):
    """Before each rollout log_std is at or under the ceiling, which falls linearly with the steps done; gSDE's noise
    matrix is redrawn from the capped std; the ceiling is logged."""
    policy = "MlpLstmPolicy" if algo is RecurrentREINFORCE else "MlpPolicy"
    model = algo(policy, "Pendulum-v1", n_steps=200, use_sde=use_sde, seed=0, policy_kwargs=dict(log_std_init=0.5))
    model.set_logger(configure(str(tmp_path), ["csv"]))
    record = RecordRolloutStarts()
    model.learn(1000, callback=[LogStdDecayCallback(final_log_std=-2.0), record], log_interval=1)
    assert [row[0] for row in record.rows] == list(range(0, 1000, 200))  # one episode of 200 steps a rollout
    for steps, log_std, matrix in record.rows:
        ceiling = 0.5 + (-2.0 - 0.5) * steps / 1000
        # Pendulum's updates push log_std up: the cap holds it at the ceiling
        assert log_std == pytest.approx(ceiling, abs=1e-6)
        if use_sde:
            # Drawn from N(0, exp(log_std)^2): its entries' RMS is about the capped std, not the initial exp(0.5)
            assert float(matrix.pow(2).mean().sqrt()) == pytest.approx(np.exp(ceiling), rel=0.3)
    logged = pd.read_csv(tmp_path / "progress.csv")["train/log_std_ceiling"]
    assert np.allclose(logged, [0.5 - 2.5 * steps / 1000 for steps in range(0, 1000, 200)])


def test_log_std_decay_callback_without_it_log_std_stays_up():
    """The control: the same training without the callback leaves log_std near where it began."""
    model = REINFORCE("MlpPolicy", "Pendulum-v1", n_steps=200, seed=0, policy_kwargs=dict(log_std_init=0.5))
    model.learn(1000)
    assert float(model.policy.log_std.detach().max()) > 0.4


@pytest.mark.parametrize("final_log_std", [float("nan"), float("inf"), True, "low", None])
def test_log_std_decay_callback_refuses_a_bad_value(final_log_std):
    with pytest.raises(ValueError, match="final_log_std must be a finite number"):
        LogStdDecayCallback(final_log_std=final_log_std)


def test_log_std_decay_callback_refuses_a_ceiling_that_rises():
    model = REINFORCE("MlpPolicy", "Pendulum-v1", n_steps=200, seed=0)
    with pytest.raises(ValueError, match=r"final_log_std must be below the policy's log_std when training starts \(0\)"):
        model.learn(200, callback=LogStdDecayCallback(final_log_std=0.0))


def test_log_std_decay_callback_needs_a_box_action_space():
    model = REINFORCE("MlpPolicy", "CartPole-v1", n_steps=16, seed=0)
    with pytest.raises(ValueError, match="needs a policy with a learned log_std"):
        model.learn(100, callback=LogStdDecayCallback(final_log_std=-1.0))
