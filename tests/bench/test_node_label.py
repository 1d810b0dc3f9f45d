"""The report's device column names the host a Ray backend ran a run on."""
from actlab.bench.stats import device_label, summarize


def _run(seed, host=None, device="cpu"):
    extra = {"device": device, "device_name": "EPYC"}
    if host:
        extra["node"] = {"host": host, "node_id": "ab" * 28}
    return {"task": "xor", "act": "relu", "seed": seed, "status": "ok", "value": 0.5 + seed / 10, "metric": "accuracy",
            "higher_is_better": True, "extra": extra}


def test_device_label_adds_the_host_of_a_cluster_run():
    assert device_label(_run(0)) == "cpu (EPYC)"
    assert device_label(_run(0, host="node7")) == "cpu (EPYC) on node7"
    assert device_label(_run(0, host="node7", device=None)) == "on node7"


def test_summary_lists_every_host_the_runs_of_a_cell_used():
    (s,) = summarize([_run(0, "a"), _run(1, "b"), _run(2, "a")])
    assert s.device == "cpu (EPYC) on a, cpu (EPYC) on b"
