"""`InFlight`, the scheduler shared by the benchmark runner and the search runner."""
import math

from actlab.bench.backends import get_backend
from actlab.bench.backends.scheduler import InFlight


def test_jobs_come_back_by_key_in_submission_order_with_values_or_errors():
    flight = InFlight(get_backend("local"), width=2)
    flight.submit("a", math.sqrt, 4.0)
    assert not flight.full and len(flight) == 1
    flight.submit("b", math.sqrt, -1.0)  # raises ValueError in the job
    assert flight.full
    got = flight.wait()
    assert [j.key for j in got] == ["a", "b"] and got[0].value == 2.0 and got[0].error is None
    assert isinstance(got[1].error, ValueError) and got[1].value is None
    assert len(flight) == 0 and flight.wait() == []


def test_width_defaults_to_the_backends_workers():
    be = get_backend("local")
    assert InFlight(be).width == be.num_workers == 1
