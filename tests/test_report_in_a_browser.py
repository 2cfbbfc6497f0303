"""The report opened in a real headless Chromium (Debian's `chromium`): no console message, the calendar and
the heatmap render, and a screenshot is kept as a test artifact (`test-artifacts/report.png`); the page of a
large setup (50 channels, 10,000 items) is laid out too, under 5 MB, within a minute.

Outside CI, without Chromium the test skips with a loud message; in CI it installs the package (the machine
kind offers Debian's packages) and must run.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli import Cli
from tests.report_setups import large_report

ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
        if subprocess.run(install, timeout=600, capture_output=True, check=False).returncode != 0:
            # a fresh machine's package lists may be missing or stale
            subprocess.run(["apt-get", "update", "-q"], timeout=600, capture_output=True, check=True)
            subprocess.run(install, timeout=600, capture_output=True, check=True)
        return shutil.which("chromium") or pytest.fail("apt-get installed chromium, but it is not on PATH")
    pytest.skip("LOUD SKIP: no Chromium here (apt-get install chromium); the report was not opened in a browser")


def test_the_sample_campaign_s_report_renders_in_chromium_without_a_console_message(tmp_path: Path) -> None:
    browser = chromium()
    sample = (ROOT / "config.yaml").read_text()
    feed = "scheduler/samples/sample-library.rss.xml"
    cli = Cli(tmp_path, sample.replace(feed, str(ROOT / feed)))
    cli("db", "upgrade")
    cli("feeds", "poll")
    cli("queue", "fill")
    page = tmp_path / "report.html"
    cli("report", "--out", str(page))
    headless = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run(
        [*headless, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True
    )
    assert '<table class="calendar">' in dom.stdout and '<table class="heatmap">' in dom.stdout
    assert "CONSOLE" not in dom.stderr, dom.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    subprocess.run(
        [*headless, f"--screenshot={shot}", "--window-size=1400,1000", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 20_000  # a page was drawn, not a blank


def test_a_large_setup_s_report_is_laid_out_within_a_minute(tmp_path: Path) -> None:
    browser = chromium()
    page = large_report(tmp_path)
    assert page.stat().st_size < 5_000_000
    headless = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run(
        [*headless, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60, check=True
    )
    calendar = dom.stdout.split('<table class="calendar">')[1].split("</table>")[0]
    assert calendar.count('<tr><th scope="row"><bdi>c') == 50  # every channel's row
    assert "CONSOLE" not in dom.stderr, dom.stderr
