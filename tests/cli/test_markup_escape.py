"""Square brackets in user-facing text survive Rich: error messages, paths and names print as given, never read
as style tags (`pip install 'actlab[ray]'` once printed as `pip install 'actlab'`)."""
import sys

import pytest

from actlab.cli.main import main


def run_cli(monkeypatch, capsys, *args):
    monkeypatch.setenv("COLUMNS", "300")  # one line per message: no wrapping inside the text we look for
    monkeypatch.setattr(sys, "argv", ["actlab", *args])
    try:
        main()
        code = 0
    except SystemExit as e:
        code = e.code or 0
    out, err = capsys.readouterr()
    return code, out, err


def test_missing_ray_message_keeps_the_extra_in_brackets(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError, as without the extra
    code, _, err = run_cli(monkeypatch, capsys, "bench", "--backend", "ray", "--acts", "relu", "--tasks",
                           "digits_mlp", "--seeds", "1", "--db", str(tmp_path / "b.db"))
    assert code == 2 and "pip install 'actlab[ray]'" in err, err


@pytest.mark.parametrize("args, shown", [
    (["show", "[bold]relu"], "unknown activation '[bold]relu'"),
    (["bench", "--acts", "relu,[red]nope", "--tasks", "digits_mlp", "--db", "{tmp}/b.db"], "'[red]nope'"),
    (["search", "--grammar", "[bold]junk", "--db", "{tmp}/s.db"], "malformed grammar line '[bold]junk'"),
    (["search-report", "--db", "{tmp}/[x]/s.db"], "[x]/s.db' does not exist"),
    (["bench", "--[red]bogus", "1"], "No such option: --[red]bogus"),
])
def test_error_messages_print_square_brackets_verbatim(monkeypatch, capsys, tmp_path, args, shown):
    code, _, err = run_cli(monkeypatch, capsys, *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert code == 2 and shown in err, err


def test_written_paths_print_square_brackets_verbatim(monkeypatch, capsys, tmp_path):
    out_png = tmp_path / "[red]figs" / "curves.png"
    code, out, _ = run_cli(monkeypatch, capsys, "plot", "relu", "-o", str(out_png))
    assert code == 0 and out_png.exists()
    assert f"wrote {out_png}" in out, out
