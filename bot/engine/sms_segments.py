"""What a text costs as SMS, counted the way carriers (and Twilio's bill) count it.

A message that is all GSM-7 travels 7 bits a character: 160 in one segment, or 153
per part once it is split (each part carries a 7-septet header). One character
outside GSM-7 (á í ó ú, a curly quote, an emoji) turns the whole message into UCS-2:
70 in one segment, 67 per part. The GSM-7 extension table (€ [ ] { } ^ ~ | \\ and
form feed) costs two septets, an escape and the character; outside the Basic
Multilingual Plane a character costs two UTF-16 units. Neither pair is ever split
between parts, so a pair that would straddle a boundary starts the next part:
counting total length divided by 153 undercounts exactly those messages.

In the engine beside sms_budget.py, which the data check needs; the SMS channel
lays its texts out with it.
"""

from __future__ import annotations

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# 3GPP TS 23.038 default alphabet, in code order (0x1B, the escape, is left out).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Reached through the escape, so each costs two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}


def encoding(text: str) -> str:
    """GSM-7 when every character has a GSM-7 code, else UCS-2 for the whole message."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        return GSM7
    return UCS2


def _costs(text: str, enc: str) -> list[int]:
    if enc == GSM7:
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def count(text: str) -> int:
    """Segments a carrier bills for `text`; 0 for an empty text, which is not sent."""
    if not text:
        return 0
    # Paging calls this for every candidate page; most texts have no two-unit
    # character, and then the parts are plain division.
    chars = set(text)
    if chars <= GSM7_BASIC:
        enc = GSM7
    elif chars.isdisjoint(GSM7_EXTENSION) and max(chars) <= "\uffff":
        enc = UCS2  # a character outside GSM-7, none that costs two units
    else:
        enc = None
    if enc is not None:
        n = len(text)
        return 1 if n <= SINGLE[enc] else -(-n // PART[enc])
    enc = encoding(text)
    costs = _costs(text, enc)
    if sum(costs) <= SINGLE[enc]:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > PART[enc]:
            parts, used = parts + 1, 0
        used += cost
    return parts


def fits(text: str, max_segments: int) -> bool:
    return count(text) <= max_segments
