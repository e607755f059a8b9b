"""The crew app's shell: small enough for a cheap phone on a weak signal, and only for contractor staff."""
from __future__ import annotations

from tests.integration.portal.conftest import add_user, sign_in

SHELL_BUDGET_BYTES = 150 * 1024
SHELL = ["/kru", "/kru/sw.js", "/kru/manifest.webmanifest", "/static/portal.css", "/static/kru/app.css",
         "/static/kru/app.js"]


def test_the_crew_app_shell_with_its_service_worker_weighs_under_150_kb_uncompressed(portal, portal_db):
    add_user(portal_db, "kru1", "contractor", "8d0c9d8e-4a3b-4a1e-9d6c-1c3f7f1f2a10")
    sign_in(portal, "kru1")
    sizes = {}
    for path in SHELL:
        answer = portal.get(path)
        assert answer.status_code == 200, path
        sizes[path] = len(answer.data)
    total = sum(sizes.values())
    print(f"crew app shell: {total} bytes ({total / 1024:.1f} KiB): {sizes}")
    assert total < SHELL_BUDGET_BYTES


def test_the_service_worker_caches_exactly_the_files_the_shell_loads(portal, portal_db):
    add_user(portal_db, "kru1", "contractor", "8d0c9d8e-4a3b-4a1e-9d6c-1c3f7f1f2a10")
    sign_in(portal, "kru1")
    page = portal.get("/kru").get_data(as_text=True)
    worker = portal.get("/kru/sw.js")
    assert worker.headers["Service-Worker-Allowed"] == "/kru"
    for path in ("/static/portal.css", "/static/kru/app.css", "/static/kru/app.js"):
        assert f'"{path}"' in worker.get_data(as_text=True) and path in page


def test_the_crew_app_is_for_contractor_staff_only(portal, portal_db):
    add_user(portal_db, "ppk", "dinas")
    assert portal.get("/kru").status_code == 302  # not signed in: to the sign-in page
    assert portal.get("/kru/api/day").status_code == 401
    sign_in(portal, "ppk")
    assert portal.get("/kru").status_code == 403
    assert portal.get("/kru/api/vehicles").status_code == 403
    assert portal.get("/kru/api/vehicles").json["error"]["code"] == "forbidden"
