"""Regenerate the page's screenshots for the README: docs/screenshots/page-form.png and page-result.png.

    python scripts/screenshots.py                 # serves $EXPOSURE_HOME's champions on a free port
    python scripts/screenshots.py --home DIR      # another EXPOSURE_HOME (one that `exposure train` filled)
    python scripts/screenshots.py --url http://127.0.0.1:8000   # a server that is already running

Needs the dev extra (playwright) and Debian's chromium (scripts/ensure-chromium.sh). The case is the example of the
API docs, pasted as facts and read into the form, then estimated.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def serve(home: Path | None) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {k: v for k, v in os.environ.items() if k not in ("EXPOSURE_PORT", "EXPOSURE_API_KEYS")}
    if home is not None:
        env["EXPOSURE_HOME"] = str(home)
        env.pop("MLFLOW_TRACKING_URI", None)
        env.pop("EXPOSURE_TRACKING_URI", None)
    env["EXPOSURE_RELOAD_INTERVAL_S"] = "0"
    command = [sys.executable, "-m", "uvicorn", "--factory", "serving.app:create_app", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(
                    f"the server exited:\n{proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
                )
            with contextlib.suppress(httpx.TransportError):
                ready = httpx.get(f"{url}/readyz", timeout=1.0)
                if ready.status_code == 200:
                    break
                if ready.status_code == 503 and ready.json().get("reason", "").startswith("custodial"):
                    raise SystemExit(f"no champions: {ready.json()['reason']}")
            time.sleep(0.2)
        else:
            raise SystemExit("the server did not become ready in 120 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def shoot(url: str, out: Path, chromium: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from serving.schemas import FACTS_EXAMPLE

    out.mkdir(parents=True, exist_ok=True)
    form_png, result_png = out / "page-form.png", out / "page-result.png"
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=FLAGS, viewport={"width": 1360, "height": 900}
        )
        page = context.new_page()
        page.goto(f"{url}/")
        page.wait_for_selector("body[data-ready=true]")
        page.fill("#facts", FACTS_EXAMPLE)
        page.click("#extract")
        page.wait_for_selector("#extract-note[data-filled]")
        page.fill("#criminal-case_id", "Memo 2026-17")
        page.fill("#criminal-year", "2024")
        page.evaluate("window.scrollTo(0, 0)")
        # the whole page at once: a viewport as tall as the page keeps the sticky buttons where they belong
        page.set_viewport_size({"width": 1360, "height": 1900})
        page.screenshot(path=str(form_png))
        page.click("#estimate")
        page.wait_for_selector("#result[data-state=ready]")
        height = int(page.evaluate("document.querySelector('.output').getBoundingClientRect().bottom")) + 24
        page.set_viewport_size({"width": 1360, "height": max(height, 900)})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(result_png))
        context.close()
    return [form_png, result_png]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, help="EXPOSURE_HOME with champions (default: the environment's)")
    parser.add_argument("--url", help="use this running server instead of starting one")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--chromium", default=os.environ.get("EXPOSURE_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(serve(args.home))
        for path in shoot(url.rstrip("/"), args.out, args.chromium):
            print(path)


if __name__ == "__main__":
    main()
