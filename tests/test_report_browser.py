"""The HTML report in a real browser: headless Chromium renders it, not blank."""

import re
import shutil
import subprocess

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium(sample_project, tmp_path):
    pil = pytest.importorskip("PIL.Image", reason="Pillow comes with the dev extras")
    html = sample_project / "reports" / "古镇灯饰.html"
    shot = tmp_path / "shot.png"
    netlog = tmp_path / "net.json"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            # any request leaving the page would go to a closed local port and fail
            "--proxy-server=127.0.0.1:9",
            f"--log-net-log={netlog}",
            f"--screenshot={shot}",
            "--window-size=1000,1400",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = pil.open(shot).convert("L")
    low, high = image.getextrema()
    assert high - low > 100  # text and bars on a white page, not a blank screenshot
    colours = image.getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20
    # the page itself must ask for nothing: the only URLs allowed in the net log are
    # Chromium's own housekeeping hosts, never a font, script or image CDN
    urls = set(re.findall(r"https?://[A-Za-z0-9.:-]+", netlog.read_text(errors="replace")))
    own = ("google.com", "googleapis.com", "gstatic.com", "gvt1.com")
    assert {u for u in urls if not u.split("//")[1].endswith(own)} == set()
