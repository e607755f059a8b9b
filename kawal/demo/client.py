"""A small HTTP client of the three services for the CLI: tokens per role, paginated lists, refusals as values."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import requests

from shared import auth, config

API = "/api/v1"


@dataclass
class Answer:
    """What a service answered: the status, the JSON body, and the error code when it refused."""

    status: int
    body: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def code(self) -> str:
        if self.ok:
            return ""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return (error or {}).get("code", "") if isinstance(error, dict) else ""

    @property
    def outcome(self) -> str:
        """accepted, or the status and code of the refusal (`422 window_closed`)."""
        return "accepted" if self.ok else f"{self.status} {self.code}".strip()


class ApiFailure(RuntimeError):
    """A call that had to succeed and did not."""

    def __init__(self, method: str, url: str, answer: Answer):
        super().__init__(f"{method} {url} answered {answer.status}: {answer.body}")
        self.answer = answer


class Kawal:
    """Talks to contracts, routes and billing at their configured base URLs, one requests session a thread."""

    def __init__(self, urls: dict[str, str] | None = None, timeout_seconds: float = 30.0):
        self.urls = urls or {name: config.service_url(name) for name in config.SERVICES}
        self.timeout = timeout_seconds
        self._local = threading.local()
        self._tokens: dict[tuple[str, str | None], str] = {}
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            session = requests.Session()
            session.mount("http://", requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16))
            self._local.session = session
        return self._local.session

    def token(self, role: str, contractor_id: str | None = None) -> str:
        with self._lock:
            key = (role, contractor_id)
            if key not in self._tokens:
                self._tokens[key] = auth.mint(role, sub=f"kawal-demo-{role}", contractor_id=contractor_id)
            return self._tokens[key]

    def call(
        self,
        method: str,
        service: str,
        path: str,
        role: str = "dinas",
        contractor_id: str | None = None,
        json: dict | None = None,
        params: dict | None = None,
        idempotency_key: str | None = None,
    ) -> Answer:
        headers = {"Authorization": f"Bearer {self.token(role, contractor_id)}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        url = f"{self.urls[service]}{API}{path}"
        response = self._session().request(method, url, json=json, params=params, headers=headers, timeout=self.timeout)
        try:
            body = response.json()
        except ValueError:
            body = {"error": {"code": "not_json", "message": response.text[:200]}}
        return Answer(response.status_code, body if isinstance(body, dict) else {"items": body})

    def download(self, service: str, path: str, role: str = "dinas") -> bytes:
        """A document's bytes (a berita acara PDF); a refusal raises ApiFailure."""
        headers = {"Authorization": f"Bearer {self.token(role)}"}
        response = self._session().get(f"{self.urls[service]}{API}{path}", headers=headers, timeout=self.timeout)
        if response.status_code != 200:
            try:
                body = response.json()
            except ValueError:
                body = {"error": {"code": "not_json", "message": response.text[:200]}}
            raise ApiFailure("GET", path, Answer(response.status_code, body))
        return response.content

    def get(self, service: str, path: str, role: str = "dinas", **params) -> dict:
        answer = self.call("GET", service, path, role=role, params=params or None)
        if not answer.ok:
            raise ApiFailure("GET", path, answer)
        return answer.body

    def post(self, service: str, path: str, body: dict | None = None, role: str = "dinas", **kwargs) -> Answer:
        return self.call("POST", service, path, role=role, json=body or {}, **kwargs)

    def must_post(self, service: str, path: str, body: dict | None = None, role: str = "dinas", **kwargs) -> dict:
        answer = self.post(service, path, body, role=role, **kwargs)
        if not answer.ok:
            raise ApiFailure("POST", path, answer)
        return answer.body

    def list_all(self, service: str, path: str, role: str = "dinas", per_page: int = 1000, **params) -> list[dict]:
        """Every item of a paginated list, page after page."""
        items, page = [], 1
        while True:
            body = self.get(service, path, role=role, page=page, per_page=per_page, **params)
            items.extend(body.get("items", []))
            pages = (body.get("page") or {}).get("pages", 1)
            if page >= pages or not body.get("items"):
                return items
            page += 1
