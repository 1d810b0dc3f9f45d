"""The local backend (in-process and process pool) honours the submit/wait/result/map contract."""
import math
import operator

import pytest

from actlab.bench.backends import get_backend
from actlab.core.errors import ConfigError, UnknownNameError


def test_in_process_map_is_ordered_and_matches_builtin_map():
    be = get_backend("local")
    items = [3.0, 1.0, 4.0, 1.5, 9.0]
    assert be.map(math.sqrt, items) == [math.sqrt(v) for v in items]


def test_in_process_job_error_is_raised_by_result_not_by_submit():
    be = get_backend("local")
    h = be.submit(math.sqrt, -1.0)  # must not raise here
    done, pending = be.wait([h])
    assert done == [h] and pending == []
    with pytest.raises(ValueError):
        be.result(h)


def test_process_pool_runs_jobs_with_the_same_results_as_in_process():
    with get_backend("local", num_workers=2) as be:
        hs = [be.submit(operator.pow, b, 3) for b in range(6)]
        done, pending = be.wait(hs, num_returns=len(hs), timeout=60)
        assert len(done) == 6 and not pending
        assert [be.result(h) for h in hs] == [b ** 3 for b in range(6)]


def test_unknown_backend_names_the_choices():
    with pytest.raises(UnknownNameError, match="ray"):
        get_backend("dask")


def test_non_positive_worker_count_is_refused():
    with pytest.raises(ConfigError, match="num_workers"):
        get_backend("local", num_workers=0)


@pytest.mark.parametrize("kw", [{"num_workers": 0}, {"cpus_per_run": 1.5}, {"gpus_per_run": -1},
                                {"max_retries": -1}, {"gpus_per_run": True}])
def test_ray_backend_refuses_bad_resources_before_starting_ray(kw):
    from actlab.bench.backends.ray import RayBackend
    from actlab.core.errors import ActlabError

    with pytest.raises(ActlabError, match=next(iter(kw))):
        RayBackend(**kw)
