"""Analysis tests use tiny tensors: intra-op threads only add contention on the shared 2-core machine
(a 60-step TinyLM fit took 20 s with the default threads and 1 s with one), so each test runs on one thread."""
import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
