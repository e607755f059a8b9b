"""HTTP endpoints of compliance results: the daily evaluations and the SLA breaches (thin views, reads only)."""

from flask_smorest import Blueprint

from services.routes import schemas as s
from services.routes.compliance import results
from shared import auth
from shared.pagination import page_of
from shared.web import transaction

blp = Blueprint("compliance", __name__, description="Compliance results: daily evaluations and SLA breaches")


@blp.route("/compliance/daily", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(s.DailyArgs, location="query")
@blp.response(200, page_of(s.DailyOut))
def compliance_daily(args):
    """Daily evaluations per contract and WIB day."""
    with transaction() as session:
        return results.daily(session, args, args.pop("page"), args.pop("per_page"))


@blp.route("/compliance/breaches", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(s.BreachArgs, location="query")
@blp.response(200, page_of(s.BreachOut))
def compliance_breaches(args):
    """SLA breaches per contract and WIB month."""
    with transaction() as session:
        return results.breaches(session, args, args.pop("page"), args.pop("per_page"))
