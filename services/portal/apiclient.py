"""Calls to the three APIs as the signed-in user: a short-lived token minted per client, errors mapped to one type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from shared import auth, config

TIMEOUT = (3.05, 20)  # connect, read: a slow API fails the page, it does not hang it
_http = requests.Session()  # pooled connections to the APIs, shared by every request of this process


@dataclass
class ApiProblem(Exception):
    """An API answered with an error (its {"error": {...}} body), or could not be reached (status 503, unavailable)."""

    status: int
    code: str
    message: str
    fields: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    @property
    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


@dataclass
class Answer:
    status: int
    body: Any


class Api:
    """`Api(user).get("routes", "/pickups", date=...)`: every call carries a token for this user only."""

    def __init__(self, user, urls: dict[str, str] | None = None):
        self.user = user
        self.urls = urls or {service: config.service_url(service) for service in config.SERVICES}
        settings = config.portal()
        self.token = auth.mint(
            user.role,
            sub=f"portal:{user.username}",
            contractor_id=user.contractor_id,
            ttl_seconds=settings.token_seconds,
        )

    def get(self, service: str, path: str, **params) -> Any:
        return self.call("GET", service, path, params=params).body

    def post(self, service: str, path: str, json: dict | None = None, idempotency_key: str | None = None) -> Any:
        return self.call("POST", service, path, json=json, idempotency_key=idempotency_key).body

    def all_pages(self, service: str, path: str, per_page: int = 200, **params) -> list[dict]:
        """Every item of a paginated list (the APIs' page_of shape: {"items", "page": {"pages", ...}})."""
        items, page = [], 1
        while True:
            body = self.get(service, path, page=page, per_page=per_page, **params)
            items.extend(body["items"])
            if page >= body["page"]["pages"] or not body["items"]:
                return items
            page += 1

    def call(
        self,
        method: str,
        service: str,
        path: str,
        params: dict | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
        files: dict | None = None,
        stream: bool = False,
    ) -> Answer:
        """Any call; 2xx returns the answer, anything else raises ApiProblem with the API's own code and fields."""
        headers = {"Authorization": f"Bearer {self.token}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = _http.request(
                method,
                f"{self.urls[service]}/api/v1{path}",
                params=clean,
                json=json,
                files=files,
                headers=headers,
                timeout=TIMEOUT,
                stream=stream,
            )
        except requests.RequestException as error:
            raise ApiProblem(503, "unavailable", f"{service} is not reachable: {type(error).__name__}") from None
        if response.status_code >= 400:
            raise _problem(service, response)
        if stream:
            return Answer(response.status_code, response)
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        return Answer(response.status_code, response.json() if is_json else response.content)


def _problem(service: str, response: requests.Response) -> ApiProblem:
    try:
        error = response.json()["error"]
        return ApiProblem(
            response.status_code, error.get("code", "error"), error.get("message", ""), error.get("fields") or {}
        )
    except (ValueError, KeyError, TypeError):
        # a proxy's HTML page or a crash: never show it, say which service failed
        status = response.status_code if response.status_code < 500 else 502
        return ApiProblem(status, "upstream_error", f"{service} answered {response.status_code}")
