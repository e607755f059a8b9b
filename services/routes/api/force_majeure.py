"""HTTP endpoints of force-majeure days (keadaan kahar): declaring one, listing them (thin views)."""

from flask_smorest import Blueprint

from services.routes import force_majeure
from services.routes import schemas as s
from shared import auth
from shared.pagination import page_of
from shared.web import transaction

blp = Blueprint("force_majeure", __name__, description="Force-majeure days (keadaan kahar)")


@blp.route("/force-majeure", methods=["POST"])
@auth.roles(*auth.DINAS)
@blp.arguments(s.ForceMajeureIn)
@blp.response(201, s.ForceMajeureOut)
def declare_force_majeure(body):
    """Declare a force-majeure day (keadaan kahar): its pickups there excused, no shortfall day."""
    with transaction() as session:
        return force_majeure.declare(session, auth.current(), body)


@blp.route("/force-majeure", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(s.ForceMajeureArgs, location="query")
@blp.response(200, page_of(s.ForceMajeureOut))
def list_force_majeure(args):
    """List force-majeure days by contract and WIB dates (a contractor sees its own contracts')."""
    with transaction() as session:
        return force_majeure.list_days(session, args, args.pop("page"), args.pop("per_page"))
