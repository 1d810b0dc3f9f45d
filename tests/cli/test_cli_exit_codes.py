"""The real entry point (python -m actlab): usage errors, bad paths and Ctrl-C give a message and an exit code,
never a traceback."""
import signal
import subprocess
import sys
import time

import pytest


def actlab(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "actlab", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


@pytest.mark.parametrize("args", [["show"], ["bench", "--seeds", "abc"], ["nonexistent-command"],
                                  ["plot", "gelu", "--lo", "abc"], ["bench", "--bogus", "1"]])
def test_usage_errors_exit_2_without_traceback(args):
    p = actlab(*args)
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr and "Error" in p.stderr


def test_bad_output_path_and_non_database_file_exit_2(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    for args in (["signal", "relu", "-o", f"{notes}/x"], ["search-report", "--db", str(notes)]):
        p = actlab(*args)
        assert p.returncode == 2, (args, p.stderr)
        assert "Traceback" not in p.stderr and "error" in p.stderr


def test_ctrl_c_during_bench_exits_130_and_says_so(tmp_path):
    db = tmp_path / "b.db"
    proc = subprocess.Popen([sys.executable, "-m", "actlab", "bench", "--acts", "relu,gelu,silu", "--tasks",
                             "digits_mlp", "--seeds", "50", "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 90
    while time.time() < deadline and not (db.exists() and db.stat().st_size > 0):
        time.sleep(0.2)
    time.sleep(2.0)  # inside training
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out[-500:], err[-500:])
    assert "aborted" in err and "Traceback" not in err
