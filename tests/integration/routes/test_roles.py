"""The role matrix over every endpoint: who may call it, who gets 403, and 401 without a token."""
import uuid

import pytest

from tests.integration.routes.conftest import bearer

ID = str(uuid.uuid4())
# (method, path, roles allowed): every /api/v1 endpoint of the routes service
MATRIX = [
    ("POST", "/points", {"dinas"}), ("GET", "/points", {"dinas", "contractor", "auditor"}),
    ("POST", "/vehicles", {"dinas"}), ("GET", "/vehicles", {"dinas", "contractor", "auditor"}),
    ("POST", "/routes", {"dinas"}), ("GET", "/routes", {"dinas", "contractor", "auditor"}),
    ("POST", f"/routes/{ID}/schedule", {"dinas"}),
    ("GET", "/pickups", {"dinas", "contractor", "auditor"}),
    ("GET", f"/pickups/{ID}", {"dinas", "contractor", "auditor"}),
    ("POST", f"/pickups/{ID}/confirmation", {"contractor"}),
    ("POST", f"/pickups/{ID}/excuse", {"dinas"}), ("POST", f"/pickups/{ID}/verify", {"dinas"}),
    ("POST", "/weighings", {"dinas"}), ("GET", "/weighings", {"dinas", "contractor", "auditor"}),
    ("POST", f"/weighings/{ID}/clear", {"dinas"}),
    ("POST", "/complaints", {"dinas"}), ("GET", "/complaints", {"dinas", "contractor", "auditor"}),
    ("GET", f"/complaints/{ID}", {"dinas", "contractor", "auditor"}),
    ("POST", f"/complaints/{ID}/resolution", {"contractor"}),
    ("GET", "/compliance/daily", {"dinas", "contractor", "auditor"}),
    ("GET", "/compliance/breaches", {"dinas", "contractor", "auditor"}),
    ("POST", "/force-majeure", {"dinas"}), ("GET", "/force-majeure", {"dinas", "contractor", "auditor"}),
    ("POST", "/photos", {"dinas", "contractor"}), ("GET", f"/photos/{ID}", {"dinas", "contractor", "auditor"}),
]
TOKENS = {"dinas": bearer("dinas"), "auditor": bearer("auditor"), "contractor": bearer("contractor", ID)}


def test_the_matrix_covers_every_endpoint_and_matches_the_declared_roles(routes_app):
    declared = {}
    for rule in routes_app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            view = routes_app.view_functions[rule.endpoint]
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                declared[(method, rule.rule.removeprefix("/api/v1"))] = set(view.allowed_roles)
    listed = {(method, path.replace(ID, "<uuid:x>")): roles for method, path, roles in MATRIX}
    normalised = {(method, _generic(path)): roles for (method, path), roles in declared.items()}
    assert {(m, _generic(p)): r for (m, p), r in listed.items()} == normalised


def _generic(path: str) -> str:
    return "/".join("<id>" if part.startswith("<") else part for part in path.split("/"))


@pytest.mark.parametrize("method, path, allowed", MATRIX, ids=[f"{m} {p.replace(ID, '{id}')}" for m, p, _ in MATRIX])
def test_each_role_is_let_in_or_refused_as_the_matrix_says(client, method, path, allowed):
    for role, token in TOKENS.items():
        response = client.open(f"/api/v1{path}", method=method, json={}, headers=token)
        if role in allowed:
            assert response.status_code not in (401, 403), (role, response.json)
        else:
            assert (response.status_code, response.json["error"]["code"]) == (403, "forbidden"), role
    assert client.open(f"/api/v1{path}", method=method, json={}).status_code == 401


def test_the_openapi_document_describes_every_endpoint_with_the_bearer_scheme(client):
    spec = client.get("/openapi.json").json
    paths = {path for path in spec["paths"]}
    assert {"/api/v1/pickups/{pickup_id}/confirmation", "/api/v1/weighings", "/api/v1/compliance/breaches"} <= paths
    assert len(paths) == len({_generic(p) for _, p, _ in MATRIX})
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
