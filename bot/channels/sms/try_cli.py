"""`flask sms-try`: text the bot from a terminal, signed exactly as Twilio signs.

Lets anyone try the SMS flow (keywords, MORE, STOP) without a Twilio account or a
public URL: in-process by default, or against a running server with --url. The
reply is printed with what it would cost in segments.
"""

from __future__ import annotations

import secrets
import sys
import urllib.error
import urllib.request
from urllib.parse import urlencode
from xml.etree import ElementTree

import click
from flask import current_app
from flask.cli import with_appcontext
from twilio.request_validator import RequestValidator

from ...engine import sms_segments as segments
from .signature import HEADER

DEFAULT_FROM = "+15005550006"  # Twilio's documented test number, not a resident's


def _form(number: str, body: str, media: bool) -> dict[str, str]:
    form = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": "AC" + "0" * 32,
        "From": number,
        "To": "+15005550001",
        "Body": body,
        "NumMedia": "1" if media else "0",
    }
    if media:
        form["MediaUrl0"] = "https://example.com/picture.jpg"
        form["MediaContentType0"] = "image/jpeg"
    return form


def _post_remote(url: str, signed_for: str, token: str, form: dict) -> tuple[int, str]:
    headers = {
        HEADER: RequestValidator(token).compute_signature(signed_for, form),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    if not url.startswith(("http://", "https://")):
        raise click.UsageError("--url must start with http:// or https://")
    req = urllib.request.Request(url, urlencode(form).encode(), headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 (checked above)
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def _post_local(token: str, form: dict) -> tuple[int, str]:
    base = current_app.config["PUBLIC_BASE_URL"] or "http://localhost"
    signed = base + "/sms"
    headers = {HEADER: RequestValidator(token).compute_signature(signed, form)}
    resp = current_app.test_client().post("/sms", data=form, headers=headers)
    return resp.status_code, resp.get_data(as_text=True)


def _show(status: int, body: str) -> None:
    if status != 200:
        click.echo(f"HTTP {status}: {body.strip()}", err=True)
        return
    root = ElementTree.fromstring(body)  # noqa: S314 (TwiML from the server you named)
    messages = [m.text or "" for m in root.iter("Message")]
    if not messages:
        click.echo("(no reply: an empty <Response/>)")
    for text in messages:
        click.echo(text)
        n = segments.count(text)
        click.echo(f"[{n} segment{'s' if n != 1 else ''}, {segments.encoding(text)}]")
    click.echo()


@click.command("sms-try")
@click.argument("messages", nargs=-1)
@click.option(
    "--from",
    "number",
    default=DEFAULT_FROM,
    show_default=True,
    help="Sender number (only its HMAC is stored).",
)
@click.option("--url", help="Post to a running server's webhook, e.g. http://127.0.0.1:8000/sms.")
@click.option(
    "--signed-url",
    help="The URL to sign, when it differs from --url (the public "
    "URL behind a proxy: PUBLIC_BASE_URL + /sms).",
)
@click.option("--token", help="Auth token to sign with (default: the configured one).")
@click.option("--media", is_flag=True, help="Attach a picture, as an MMS would.")
@with_appcontext
def sms_try(messages, number, url, signed_url, token, media):  # fmt: skip
    """Send MESSAGES (or lines typed on stdin) to the SMS webhook and print each reply."""
    token = token or current_app.config["TWILIO_AUTH_TOKEN"]
    if not token:
        if url:
            raise click.UsageError("give --token (the server's TWILIO_AUTH_TOKEN)")
        # In-process only: a throwaway token for this command, never saved.
        token = current_app.config["TWILIO_AUTH_TOKEN"] = secrets.token_hex(16)

    def send(body: str) -> None:
        form = _form(number, body, media)
        if url:
            _show(*_post_remote(url, signed_url or url, token, form))
        else:
            _show(*_post_local(token, form))

    if messages:
        for body in messages:
            send(body)
        return
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            click.echo("> ", nl=False)
        line = sys.stdin.readline()
        if not line:
            break
        send(line.rstrip("\n"))
