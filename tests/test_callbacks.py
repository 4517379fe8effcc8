"""learn() as with A2C: callbacks, progress bar, tensorboard, logging keys, continued learning."""

import pytest
from stable_baselines3.common.callbacks import (
    CallbackList,
    CheckpointCallback,
    EvalCallback,
    StopTrainingOnMaxEpisodes,
    StopTrainingOnRewardThreshold,
)
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure

from sb3_reinforce import REINFORCE


def test_callbacks(tmp_path):
    eval_env = make_vec_env("CartPole-v1", n_envs=1, seed=1)
    callback = CallbackList(
        [
            EvalCallback(eval_env, eval_freq=100, n_eval_episodes=2, log_path=str(tmp_path / "eval")),
            CheckpointCallback(save_freq=200, save_path=str(tmp_path / "checkpoints"), name_prefix="reinforce"),
        ]
    )
    model = REINFORCE("MlpPolicy", make_vec_env("CartPole-v1", n_envs=2, seed=0), n_steps=16, seed=0)
    model.learn(1_000, callback=callback)
    assert (tmp_path / "eval" / "evaluations.npz").exists()
    assert list((tmp_path / "checkpoints").glob("reinforce_*_steps.zip"))
    assert REINFORCE.load(next((tmp_path / "checkpoints").glob("*.zip")))


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
