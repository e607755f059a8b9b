"""The CLI's command groups, one module each."""
from kawal.commands.admin import audit, db, token
from kawal.commands.events import events

ALL = [token, db, audit, events]
