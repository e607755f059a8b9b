"""The CLI's command groups, one module each."""

from kawal.commands.admin import audit, db, token
from kawal.commands.demo import demo
from kawal.commands.dispute import dispute
from kawal.commands.events import events
from kawal.commands.invoice import invoice
from kawal.commands.report import report
from kawal.commands.seed import seed
from kawal.commands.simulate import simulate
from kawal.commands.supervise import supervise
from kawal.commands.users import user

ALL = [token, db, audit, events, seed, simulate, report, invoice, dispute, user, supervise, demo]
