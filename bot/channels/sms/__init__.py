"""The SMS channel: Twilio's webhook in front of the shared conversation engine.

Register `bp`; registering it also resolves the SMS settings (settings.py) and
adds `flask sms-try`. The modules, in the order a message meets them: signature,
webhook, conversation (keywords, store), then compose, pages and segments for the
reply.
"""

from . import settings, try_cli
from .webhook import bp

bp.record_once(lambda state: settings.configure(state.app))
bp.cli.add_command(try_cli.sms_try)

__all__ = ["bp"]
