"""Fixtures shared by the tests."""

import pytest
import torch as th


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    # The zoo's --num-threads, and the fixture below, set torch's global thread count in this process
    n_threads = th.get_num_threads()
    yield
    th.set_num_threads(n_threads)


@pytest.fixture
def one_torch_thread():
    """Tiny networks: one torch thread is faster than two, and several times faster on a busy machine."""
    th.set_num_threads(1)
