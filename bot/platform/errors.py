"""JSON errors in the resident's language for the API; never a traceback.

Every failure a client can cause has a stable `code` for programs and a `message`
for people. Unexpected failures are logged with the request id only.
"""

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from .i18n import force_locale


class ApiError(Exception):
    def __init__(self, status: int, code: str, message_fn, headers: dict | None = None):
        super().__init__(code)
        self.status = status
        self.code = code
        self.message_fn = message_fn  # called inside the resident's locale
        self.headers = headers or {}


def rate_limited(retry_after: int) -> ApiError:
    """429 with Retry-After: a client (or the widget) knows how long to wait."""
    code, message = _messages()[429]
    return ApiError(429, code, message, {"Retry-After": str(retry_after)})


def _messages():
    return {
        400: ("bad_request", lambda: _("The request could not be understood.")),
        404: ("not_found", lambda: _("There is nothing at this address.")),
        405: ("method_not_allowed", lambda: _("This address does not accept that method.")),
        413: ("too_large", lambda: _("The request is too large.")),
        415: ("unsupported_media_type", lambda: _("Send the request as JSON.")),
        429: ("rate_limited", lambda: _("Too many messages. Please wait a minute and try again.")),
        500: ("internal_error", lambda: _("Something went wrong on our side. Please try again.")),
        503: ("unavailable", lambda: _("The service is not available right now.")),
    }


def error_response(status: int, code: str, message_fn, headers=None):
    lang = g.get("lang") or current_app.config["DEFAULT_LANGUAGE"]
    with force_locale(lang):
        body = {"error": {"code": code, "message": message_fn()}}
    resp = jsonify(body)
    resp.status_code = status
    for name, value in headers or ():
        resp.headers[name] = value
    return resp


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz")


def init_app(app) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message_fn, exc.headers.items())

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if not _wants_json():
            return exc
        code, message = _messages().get(exc.code, ("error", lambda: exc.name))
        # Keep what the exception says about the protocol (Allow on a 405, for one).
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return error_response(exc.code or 500, code, message, headers)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        code, message = _messages()[500]
        if _wants_json():
            return error_response(500, code, message)
        return "Internal Server Error", 500
