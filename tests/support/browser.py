"""Browser tests: Debian's chromium driven by Playwright (no browser download), and apps served on real ports."""
from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from typing import Iterator

from werkzeug.serving import make_server

CHROMIUM = os.environ.get("KAWAL_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The committed record of every screen (docs/screens/) is refreshed only on purpose:
#   KAWAL_SCREENS_DIR=docs/screens make test   (a plain test run never rewrites tracked files)
SCREENS = os.environ.get("KAWAL_SCREENS_DIR")


def chromium_path() -> str:
    found = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    assert found, "chromium is missing: run scripts/ensure-tools.sh (`make test` does)"
    return found


@contextmanager
def serving(app) -> Iterator[str]:
    """A WSGI app on a free port of a real HTTP server in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"serve-{app.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class Screens:
    """Screenshots of each screen, in the test's output directory, and copied to KAWAL_SCREENS_DIR when set."""

    def __init__(self, out_dir, prefix: str):
        self.out_dir, self.prefix, self.taken = str(out_dir), prefix, []

    def shot(self, page, name: str, full_page: bool = True) -> str:
        path = os.path.join(self.out_dir, f"{self.prefix}-{len(self.taken) + 1:02d}-{name}.png")
        if full_page:  # from the top, as a person opens it (a sticky header would otherwise land mid-page)
            page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=path, full_page=full_page)
        self.taken.append(path)
        return path

    def publish(self) -> None:
        if not SCREENS:
            return
        os.makedirs(SCREENS, exist_ok=True)
        for path in self.taken:
            shutil.copy(path, os.path.join(SCREENS, os.path.basename(path)))
