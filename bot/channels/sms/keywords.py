"""SMS keywords: whole-message commands checked before any matching.

Carriers and the CTIA handbook require STOP and HELP to work whatever else the
service does, so these never reach the matcher (which could, say, read "ALTO" as
something else). Only the whole message counts, in any case, with spaces and
punctuation around it ignored: "Stop." stops, "stop the raids" is a question.
Each keyword carries the language it is written in (None: the conversation's
own), so "PARAR" is confirmed in Spanish and "STOP" in the language in use.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...engine.text import keyword

OPT_OUT = "opt_out"
OPT_IN = "opt_in"
HELP = "help"
LANGUAGE = "language"
MORE = "more"
FORGET = "forget"

_KEYWORDS: dict[str, tuple[str, str | None]] = {
    **dict.fromkeys(
        ("stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"),
        (OPT_OUT, None),
    ),
    **dict.fromkeys(("parar", "alto", "cancelar", "baja"), (OPT_OUT, "es")),
    **dict.fromkeys(("start", "unstop", "yes"), (OPT_IN, None)),
    **dict.fromkeys(("iniciar", "alta"), (OPT_IN, "es")),
    **dict.fromkeys(("help", "info"), (HELP, None)),
    "ayuda": (HELP, "es"),
    "english": (LANGUAGE, "en"),
    "espanol": (LANGUAGE, "es"),  # ESPAÑOL, Español and ESPANOL all fold to this
    "more": (MORE, None),
    "mas": (MORE, None),  # MAS and MÁS
    "delete my data": (FORGET, None),
    "borrar": (FORGET, "es"),
}


@dataclass(frozen=True)
class Keyword:
    kind: str
    lang: str | None


def find(message: str) -> Keyword | None:
    """The keyword the whole message is, or None when it is anything else."""
    found = _KEYWORDS.get(keyword(message))
    return Keyword(*found) if found else None


def words(kind: str) -> list[str]:
    """The folded keywords of one kind, for tests and docs/sms.md."""
    return [word for word, (k, _) in _KEYWORDS.items() if k == kind]
