"""Text normalisation shared by the matcher, language detection and keyword checks.

Residents write "Policía", "policia", "POLICIAAA" and "pólice": all must meet the
same pattern, so matching works on folded text (lower case, no accents, no
punctuation, runs of a repeated letter shortened). Replies are never folded.
"""

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9ñ]+")
_RUN = re.compile(r"(.)\1{2,}")


def fold(text: str) -> str:
    """Lower-case and strip accents (but keep ñ distinct from n until tokenising)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = text.replace("n\u0303", "ñ")
    return "".join(c for c in text if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """Folded words; ñ becomes n so 'espanol' and 'español' are one word."""
    return [w.replace("ñ", "n") for w in _WORD.findall(fold(text))]


def squeeze(word: str, keep: int = 1) -> str:
    """Shorten runs of three or more of a letter ("holaaa" -> "hola")."""
    return _RUN.sub(lambda m: m.group(1) * keep, word)


def keyword(text: str) -> str:
    """A whole message as an SMS keyword: folded, outer spaces and punctuation dropped.

    "Stop.", " STOP " and "stop!" are all "stop"; "stop the raids" stays itself and
    so never equals a keyword.
    """
    folded = fold(text).strip()
    folded = re.sub(r"^[\W_]+|[\W_]+$", "", folded)
    return re.sub(r"\s+", " ", folded).replace("ñ", "n")
