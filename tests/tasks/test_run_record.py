"""`Task.run` returns exactly the fields `RunRecord` declares, with their declared scalar types."""
import typing

from actlab.tasks import RunRecord, get_task


def test_a_run_record_has_exactly_the_declared_fields_and_types():
    rec = get_task("xor").run("relu", seed=0, small=True, epochs=1)
    hints = typing.get_type_hints(RunRecord)
    assert set(rec) == set(hints)
    for key, t in hints.items():
        if t in (str, bool, int):
            assert type(rec[key]) is t, (key, type(rec[key]))
        elif t is float:
            assert isinstance(rec[key], float), (key, type(rec[key]))
