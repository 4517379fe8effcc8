"""
The tutorial (docs/guide/tutorial.md) runs: its from-scratch REINFORCE trains, and its plain-PyTorch loss and gradient
equal REINFORCE's own, on the same episodes, for a categorical and a Gaussian policy. The page asserts the equality
itself; this test runs it, and checks that the check can fail.
"""

import re

import pytest
import torch as th

from sb3_reinforce import REINFORCE
from tests.pages import DOCS, examples

PAGE = DOCS / "guide" / "tutorial.md"


def tutorial_code(n_episodes: int = 3) -> str:
    """Every block of the tutorial, in order, with its training shortened to ``n_episodes`` episodes."""
    blocks = examples(PAGE, "tutorial")
    assert len(blocks) >= 6, "the tutorial's blocks are missing"
    code, n_replaced = re.subn(r"^N_EPISODES = \d+$", f"N_EPISODES = {n_episodes}", "\n".join(blocks), flags=re.MULTILINE)
    assert n_replaced == 1
    return code


def test_tutorial_runs_and_its_gradients_equal_the_library_s(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "tutorial"}
    exec(compile(tutorial_code(), str(PAGE), "exec"), namespace)
    assert len(namespace["episode_returns"]) == 3
    # The comparisons ran on both policies, with the library's models as the page built them
    assert isinstance(namespace["model"], REINFORCE) and namespace["model"].n_steps == 1
    # The last comparison, the Gaussian: the body (4 tensors), the mean (2) and log sigma
    assert len(namespace["library_grads"]) == len(namespace["our_grads"]) == 7
    assert namespace["our_loss"].item() != 0


@pytest.mark.parametrize("broken", ["sign", "return"])
def test_tutorial_fails_if_the_library_loss_changes_sign_or_drops_the_return(broken, tmp_path, monkeypatch):
    """The page's equality check is not vacuous: a REINFORCE loss with the wrong sign, or without the return weights,
    makes it fail."""
    compute_loss = REINFORCE.compute_loss

    def broken_loss(self, rollout_data, advantages=None):
        if broken == "return":
            # Every step weighted 1 instead of G_t: the loss -sum_t log pi(a_t|s_t)
            rollout_data = rollout_data._replace(returns=th.ones_like(rollout_data.returns))
        loss, logs = compute_loss(self, rollout_data, advantages)
        return (-loss if broken == "sign" else loss), logs

    monkeypatch.setattr(REINFORCE, "compute_loss", broken_loss)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AssertionError):
        exec(compile(tutorial_code(), str(PAGE), "exec"), {"__name__": "tutorial"})
