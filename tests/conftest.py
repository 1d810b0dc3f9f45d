import pytest
import torch

from tests.netns import enter_private_netns

# Everything the test session starts (Ray above all, which otherwise binds every interface) lives in a private
# network namespace that holds only loopback. Entered before collection, while pytest has only its main thread.
_NETNS_REFUSED = enter_private_netns()


def pytest_report_header(config):
    return f"network: {'host network (' + _NETNS_REFUSED + ')' if _NETNS_REFUSED else 'private namespace, lo only'}"


def pytest_collection_modifyitems(config, items):
    if _NETNS_REFUSED:
        skip = pytest.mark.skip(reason=f"starts Ray, which must not run on the host network: {_NETNS_REFUSED}")
        for item in items:
            if "ray" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    """Tiny models train faster on one thread, and the test machine's two cores are shared."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
