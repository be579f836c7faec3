"""`POST /sms`: Twilio's Messaging webhook, answered with TwiML.

Nothing is read from the form, processed or stored before the signature checks
out, and nothing a resident sent (number or words) reaches the log: refusals log
why; an answer's request line says which path answered and how many segments. Any
client mistake is a 4xx with a JSON error like the chat API's; Twilio shows the
status in its debugger.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import RequestEntityTooLarge

from ...engine import sms_segments as segments
from ...platform import request_log
from ...platform.errors import ApiError, error_response
from . import conversation, signature

bp = Blueprint("sms", __name__, cli_group=None)

FORM = "application/x-www-form-urlencoded"


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    return error_response(413, "too_large", lambda: _("The request is too large."))


def twiml(text: str) -> Response:
    """TwiML from the twilio library; an empty <Response/> sends nothing."""
    reply = MessagingResponse()
    if text:
        reply.message(text)
    return Response(str(reply), mimetype="text/xml")


def _inbound(form) -> conversation.Inbound:
    number, message_sid = form.get("From", "").strip(), form.get("MessageSid", "").strip()
    if not number or not message_sid:
        raise ApiError(400, "missing_field", lambda: _("'From' and 'MessageSid' are required."))
    num_media = form.get("NumMedia", "0").strip() or "0"
    if not num_media.isascii() or not num_media.isdigit():
        raise ApiError(400, "invalid_field", lambda: _("'NumMedia' must be a whole number."))
    return conversation.Inbound(number, message_sid, form.get("Body", ""), int(num_media))


@bp.post("/sms")
def incoming():
    config = current_app.config
    token = config["TWILIO_AUTH_TOKEN"]
    if not token:
        current_app.logger.error(
            "POST /sms refused (503): no Twilio auth token configured; set TWILIO_AUTH_TOKEN"
        )
        raise ApiError(503, "sms_not_configured",
                       lambda: _("The service is not available right now."))  # fmt: skip
    if not signature.is_valid(request, token, config["PUBLIC_BASE_URL"]):
        url = signature.signed_url(request, config["PUBLIC_BASE_URL"])
        if url is None:
            current_app.logger.warning(
                "POST /sms refused (403): BOT_PUBLIC_BASE_URL is not set, so only requests "
                "to a loopback host are checked; set it to the webhook URL without /sms"
            )
        else:
            current_app.logger.warning(
                "POST /sms refused (403): missing or wrong X-Twilio-Signature for %s",
                url.split("?")[0],
            )
        raise ApiError(403, "bad_signature",
                       lambda: _("The request is not signed by Twilio."))  # fmt: skip
    if request.mimetype != FORM:
        raise ApiError(415, "unsupported_media_type",
                       lambda: _("Send the request as a form, as Twilio does."))  # fmt: skip
    outcome = conversation.handle(_inbound(request.form))
    request_log.note(answered_by="retry" if outcome.replayed else outcome.intent,
                     segments=segments.count(outcome.text))  # fmt: skip
    return twiml(outcome.text)
