"""Fixtures shared by the tests."""

import os

import pytest
import torch as th


def pytest_configure(config):
    """Under pytest-xdist (the README's ``-n auto``) each worker is one process per core: torch's default of one
    intra-op thread per core would put two threads on each core, and tiny networks then run many times slower (a
    1,000-step learn: 0.3 s alone, 6 s beside another busy core). One thread per worker fills the cores without that."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        th.set_num_threads(1)


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
