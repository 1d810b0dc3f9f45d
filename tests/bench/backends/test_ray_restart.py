"""A process can start, stop and start again its private Ray instance (Ray keeps the first auth token it read)."""
import operator
import os

import pytest

pytest.importorskip("ray")
pytestmark = pytest.mark.ray

from actlab.bench.backends import get_backend  # noqa: E402


def test_a_second_private_instance_in_one_process_accepts_jobs_and_restores_the_environment():
    before = {k: os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "HTTP_PROXY", "https_proxy")}
    for i in range(2):
        be = get_backend("ray", num_workers=1)
        try:
            assert be.result(be.submit(operator.mul, 6, i + 1)) == 6 * (i + 1)
            assert be.placement is not None and be.num_workers == 1
        finally:
            be.shutdown()
        assert {k: os.environ.get(k) for k in before} == before
