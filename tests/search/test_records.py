"""Search rows (stored and as the driver hands them to ``on_result``) are `CandidateRow` dataclasses."""
from actlab.search import run_search
from actlab.store.candidates import FINISHED, CandidateRow


def test_search_rows_are_candidate_rows():
    seen = []
    res = run_search("swish", "random", "target:silu", budget=4, seed=0, on_result=lambda row, _: seen.append(row))
    assert len(res.rows) == 4 and len(seen) == 4
    for row in res.rows + seen:
        assert type(row) is CandidateRow
        assert row.status in FINISHED and isinstance(row.idx, int)
