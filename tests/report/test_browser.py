"""Open the report in headless Chromium: it renders, every image loads, and the console stays clean.

Needs Debian's `chromium` (`.ci/run` and `make test-browser` install it); skipped with the reason otherwise.
The screenshot is kept under pytest's tmp dir and copied to `runs/test-artefacts/`.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or (Path("/usr/bin/chromium") if Path("/usr/bin/chromium").exists() else None)
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium, "
                                                          "or `make test-browser`)")]
ARTEFACTS = Path(__file__).resolve().parents[2] / "runs" / "test-artefacts"

# Injected at the top of <head> of a copy of the page: records script/resource errors and console.error, then on
# load writes the state of every <img> into the DOM, which --dump-dom prints.
PROBE = """<script>
window.__errs = [];
window.addEventListener('error', function (e) {
  var t = e.target && (e.target.src || e.target.href);
  window.__errs.push(t ? 'failed to load ' + t : 'error: ' + e.message);
}, true);
var _ce = console.error;
console.error = function () { window.__errs.push('console: ' + Array.from(arguments).join(' ')); };
window.addEventListener('load', function () {
  var imgs = Array.from(document.images);
  var broken = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
                   .map(function (i) { return i.getAttribute('src'); });
  var pre = document.createElement('pre');
  pre.id = 'actlab-probe';
  pre.textContent = JSON.stringify({images: imgs.length, broken: broken, errors: window.__errs,
                                    tables: document.querySelectorAll('table').length});
  document.body.appendChild(pre);
});
</script>"""


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
             f"--user-data-dir={tmp / 'chromium-profile'}", "--enable-logging=stderr", "--v=0"]
    return subprocess.run([str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=120)


def _probe(page: Path, tmp: Path) -> dict:
    html = page.read_text()
    checked = page.with_name("_probe_" + page.name)
    checked.write_text(html.replace("<head>", "<head>\n" + PROBE, 1))
    out = _chromium(tmp, "--virtual-time-budget=15000", "--dump-dom", checked.as_uri())
    m = re.search(r'<pre id="actlab-probe">(.*?)</pre>', out.stdout, re.S)
    assert m, f"the probe did not run; chromium said:\n{out.stderr[-2000:]}"
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                      .replace("&gt;", ">"))


def _console_errors(stderr: str) -> list[str]:
    # page console messages are logged as "CONSOLE(...)" / "Uncaught ..."; chromium's own noise (dbus, gpu) is not
    return [ln for ln in stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]


def test_report_renders_in_chromium_with_all_images_loaded(report_index, tmp_path):
    state = _probe(report_index, tmp_path)
    assert state["images"] == 10 and state["broken"] == [] and state["errors"] == []
    assert state["tables"] >= 5


def test_report_screenshot_has_no_console_errors(report_index, tmp_path):
    shot = tmp_path / "report.png"
    # the virtual-time budget lets every image load before the capture (as the DOM probe above does)
    out = _chromium(tmp_path, "--virtual-time-budget=15000", "--window-size=1280,2400", f"--screenshot={shot}",
                    report_index.as_uri())
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", out.stderr[-2000:]
    assert shot.stat().st_size > 20_000, out.stderr[-2000:]  # a blank page compresses to a few kB
    assert _console_errors(out.stderr) == [], out.stderr[-2000:]
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTEFACTS / "report.png")


def test_checks_catch_a_broken_image_and_a_script_error(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><title>x</title></head><body>'
                    '<img src="missing.png" alt="x"><script>undefinedFunction();</script></body></html>')
    state = _probe(page, tmp_path)
    assert state["broken"] == ["missing.png"]
    assert any("missing.png" in e for e in state["errors"]) and any("undefinedFunction" in e for e in state["errors"])
    out = _chromium(tmp_path, f"--screenshot={tmp_path / 'bad.png'}", page.as_uri())
    assert any("undefinedFunction" in ln for ln in _console_errors(out.stderr))
