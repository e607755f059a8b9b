"""The portal's pages, one blueprint per area (sign-in, home, the crew app; the back office adds its own)."""

from services.portal.backoffice import BLUEPRINTS as BACKOFFICE
from services.portal.views.home import blp as home
from services.portal.views.kru import blp as kru
from services.portal.views.signin import blp as signin

BLUEPRINTS = [signin, home, kru, *BACKOFFICE]  # the back office last: it sees which other pages exist
