from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared import auth, bootstrap, web
from tests.support.scrape import scrape

blp = Blueprint("things", __name__, url_prefix="/things")


class ThingSchema(Schema):
    name = fields.String(required=True)
    weight_kg = fields.Integer(required=True, validate=validate.Range(min=1))


@blp.route("")
class Things(MethodView):
    @auth.roles("dinas")
    @blp.arguments(ThingSchema)
    @blp.response(201, ThingSchema)
    def post(self, thing):
        """Create a thing."""
        return thing


def _client():
    settings = bootstrap.Settings("contracts", "postgresql+psycopg://nobody@127.0.0.1:1/none",
                                  "amqp://guest:guest@127.0.0.1:1/%2F")
    app = web.create_service_app(bootstrap.build(settings), "test", [blp])
    return app.test_client()


def _dinas():
    return {"Authorization": f"Bearer {auth.mint('dinas')}"}


def test_invalid_input_is_422_naming_the_field():
    response = _client().post("/api/v1/things", json={"name": "truk", "weight_kg": 0}, headers=_dinas())
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"
    assert "weight_kg" in response.json["error"]["fields"]


def test_a_body_that_is_not_json_is_a_4xx_not_a_500():
    response = _client().post("/api/v1/things", data="{oops", headers={**_dinas(), "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500
    assert "error" in response.json


def test_an_unknown_path_is_404_in_the_error_shape():
    response = _client().get("/api/v1/nothing-here")
    assert (response.status_code, response.json["error"]["code"]) == (404, "not_found")


def test_the_openapi_document_lists_the_endpoints_and_bearer_auth():
    spec = _client().get("/openapi.json").json
    assert "/api/v1/things" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_health_metrics_and_readiness_answer():
    client = _client()
    assert client.get("/healthz").json == {"status": "ok"}
    client.post("/api/v1/things", json={"name": "a", "weight_kg": 2}, headers=_dinas())
    assert "kawal_contracts_http_requests_total" in scrape(client)
    ready = client.get("/readyz", headers=_dinas())
    assert ready.status_code == 503 and ready.json["checks"] == {"database": False, "broker": False}
