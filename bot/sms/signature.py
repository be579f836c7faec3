"""Is this request from Twilio? Checked with the twilio library's RequestValidator.

Twilio signs the URL it was told to call, so behind a TLS terminator or proxy the
URL this process sees (http://10.0.0.5:8000/sms) is not the one that was signed
(https://bot.example.org/sms). PUBLIC_BASE_URL rebuilds the public URL; without
it the request URL is used, corrected by ProxyFix when PROXY_FIX is set.
"""

from __future__ import annotations

from twilio.request_validator import RequestValidator

HEADER = "X-Twilio-Signature"


def signed_url(request, public_base_url: str | None) -> str:
    if not public_base_url:
        return request.url
    url = public_base_url + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return url


def is_valid(request, token: str, public_base_url: str | None) -> bool:
    signature = request.headers.get(HEADER, "")
    if not signature:
        return False
    url = signed_url(request, public_base_url)
    return RequestValidator(token).validate(url, request.form, signature)
