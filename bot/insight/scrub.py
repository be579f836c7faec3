"""Take out of a resident's message whatever could say who wrote it, before it is kept.

The unanswered-questions queue exists so staff can see what people ask; it must not
become a list of who asked. So the text is scrubbed before it is stored (nothing
else ever sees the raw words): e-mail addresses, A-numbers, phone numbers (US and
Mexican, any spelling), street addresses, any other run of five or more digits, and
names after "my name is", "me llamo", "soy" and the like. Each becomes a bracketed
placeholder, so staff still read "me llamo [name], mi número es [phone]".

Names are the hard part: "soy Rosa" is a name, "soy indocumentada", "soy de
Nogales" and "soy mamá soltera" are not, and residents type in lower case. After an
explicit phrase ("me llamo", "my name is") the next word is always taken; after "soy"
/ "I'm" / "this is" a word is taken only if it looks like a name (see `_looks_like_name`).
When unsure the scrubber prefers losing a word to keeping a name.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import phonenumbers
import yaml
from wordfreq import zipf_frequency

from ..engine.text import fold

_DATA = Path(__file__).with_name("names.yaml")

EMAIL, A_NUMBER, PHONE, ADDRESS, NUMBER, NAME = (
    "[email]", "[A-number]", "[phone]", "[address]", "[number]", "[name]",
)  # fmt: skip
PLACEHOLDERS = (EMAIL, A_NUMBER, PHONE, ADDRESS, NUMBER, NAME)

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A123456789, A-123-456-789, A 123 456 789, A#12345678, "A No. 123456789", a-numbers in
# lower case; eight or nine digits (older A-numbers have eight).
_A_NUMBER = re.compile(
    r"(?<![\w@])a\s*(?:#|no\.?|n[uú]m(?:ero)?\.?)?\s*[-:]?\s*"
    r"(?:\d{3}[\s.-]?\d{3}[\s.-]?\d{3}|\d{2}[\s.-]?\d{3}[\s.-]?\d{3}|\d{8,9})(?!\d)",
    re.IGNORECASE,
)
# Any digits run together with phone separators: "+52 1 55 1234 5678", "(520)555-1234",
# "044 55 1234 5678", "520.555.1234". Seven or more digits make it a phone number.
_DIGIT_GROUP = re.compile(r"\+?\(?\d[\d\s().-]*\d\)?")
_PHONE_MIN_DIGITS = 7
_LENIENCY = phonenumbers.Leniency.POSSIBLE  # any plausible length, valid or not
_LONG_DIGITS = re.compile(r"\d{5,}")

_STREET_TYPES = (
    r"street|st|avenue|ave|av|boulevard|blvd|road|rd|drive|dr|lane|ln|way|court|ct|"
    r"place|pl|parkway|pkwy|highway|hwy|circle|cir|trail|trl|loop|terrace|ter|"
    r"calle|camino|avenida|paseo|via|vía"
)
_UNIT = (
    r"(?:\s*,?\s*(?:apt|apartment|unit|suite|ste|space|spc|lot|trailer|depto|dpto|"
    r"departamento|interior|int|casa|#)\.?\s*#?\s*[\w-]{1,6}(?![\w-]))?"
)
# "1234 N Stone Ave", "3500 E 22nd St. Apt 4", "1500 W Calle Sancho" (Tucson's
# Spanish street names come after the number): number, up to four words, a street type.
_ADDRESS_NUMBER_FIRST = re.compile(
    r"(?<![\w-])(\d{1,6}[a-z]?)((?:\s+[\w'.-]+){0,4}?)\s+(?:" + _STREET_TYPES + r")\b\.?"
    + _UNIT,
    re.IGNORECASE,
)
# "1500 W Calle Sancho", "2100 E Camino del Sol": number, direction, Spanish street type first.
_ADDRESS_TYPE_FIRST = re.compile(
    r"(?<![\w-])\d{1,6}\s+(?:[nsew]\.?\s+|north\s+|south\s+|east\s+|west\s+)?"
    r"(?:calle|camino|avenida|paseo|via|vía|placita|avenue)\s+"
    r"(?:(?:de|del|la|las|los|el)\s+)*[\w'.-]+" + _UNIT,
    re.IGNORECASE,
)
# "calle Hidalgo 123", "Av. Juárez #45", "avenida 5 de Mayo número 12", "Calle 10 #300".
_ADDRESS_SPANISH = re.compile(
    r"\b(?:calle|avenida|av\.|avda\.?|blvd\.?|bulevar|boulevard|callej[oó]n|privada|"
    r"prolongaci[oó]n|camino|carretera|paseo|calzada|andador)\s+"
    r"(?:[\w'.-]+\s+){0,4}?(?:#\s*|n[oº°]\.?\s*|n[uú]m(?:ero)?\.?\s*)?\d{1,6}[a-z]?\b" + _UNIT,
    re.IGNORECASE,
)

# After these the next word is a name, whatever it is.
_NAMED = re.compile(
    r"\b(?:my\s+name\s+is|my\s+name'?s|(?:his|her|their|son'?s|daughter'?s|husband'?s|"
    r"wife'?s)\s+name\s+is|name\s+is|i\s*'?\s*a?m\s+called|me\s+llamo|me\s+yamo|"
    r"mi\s+nombre\s+es|su\s+nombre\s+es|nombre\s+es|se\s+llama(?:ba)?|me\s+dicen|"
    r"llamad[oa]|named|l[eo]s?\s+habla|l[eo]s?\s+saluda|atentamente|sincerely)"
    r"[\s,:]+",
    re.IGNORECASE,
)
# After these the next word may be a name ("soy Rosa") or not ("soy indocumentada").
_MAYBE_NAMED = re.compile(
    r"\b(?:soy|i\s*'?\s*m|i\s+am|this\s+is|aqu[ií]\s+es)[\s,:]+", re.IGNORECASE
)
_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*", re.UNICODE)
_PARTICLES = {"de", "del", "la", "las", "los", "van", "von", "da", "di", "y"}
# Words that start a new clause, so a name has ended ("me llamo Ana y tengo...").
_CLAUSE = {
    "y", "e", "and", "but", "pero", "i", "tengo", "have", "has", "am", "soy", "estoy",
    "is", "es", "vivo", "live", "from", "que", "quiero", "necesito", "need", "want",
    "my", "mi", "me", "im", "porque", "because", "pregunta", "question", "por",
    "para", "for", "with", "con", "in", "en", "el", "la", "who", "quien",
}  # fmt: skip
_ADJECTIVE_ENDINGS = (
    "ado", "ada", "ido", "ida", "ados", "adas", "idos", "idas", "ano", "ana", "ense",
    "eno", "ena", "ero", "era", "ista", "ante", "ente", "ble", "ivo", "iva", "oso",
    "osa", "ed", "ing", "ful", "ous", "ish", "ese", "ian", "less",
)  # fmt: skip
REAL_WORD_ZIPF = 3.0


@cache
def _words() -> dict[str, frozenset[str]]:
    with open(_DATA, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return {key: frozenset(fold(w) for w in values) for key, values in data.items()}


def _folded(word: str) -> str:
    return fold(word).replace("ñ", "n")


def _is_common(word: str) -> bool:
    return max(zipf_frequency(word, "es"), zipf_frequency(word, "en")) >= REAL_WORD_ZIPF


def _looks_like_name(word: str) -> bool:
    """After "soy" / "I'm": is this word a name? ("Rosa" yes, "indocumentada" no)."""
    w, words = _folded(word), _words()
    if w in words["not_names"] or len(w) < 2:
        return False
    if w in words["first_names"] or w in words["surnames"]:
        return True
    if _is_common(w):  # "mexicana", "nuevo", "scared", "testigo"
        return False
    if word[:1].isupper():  # a rare, capitalised word: "Soy Yaretzi"
        return True
    return not w.endswith(_ADJECTIVE_ENDINGS)  # "soy yaretzi" yes, "soy dacamentado" no


def _continues_name(word: str, following: str | None) -> bool:
    """Is this word still part of the name just found ("María *López*", "Juan *de* Dios")?"""
    w, words = _folded(word), _words()
    if w in _CLAUSE and not (w in _PARTICLES and following and following[:1].isupper()):
        return False
    if w in words["first_names"] or w in words["surnames"]:
        return True
    if w in _PARTICLES:
        return bool(following) and (following[:1].isupper() or _continues_name(following, None))
    if w in words["not_names"]:
        return False
    if word[:1].isupper() and len(w) > 1 and not word.isupper():
        return True
    return not _is_common(w) and not w.endswith(_ADJECTIVE_ENDINGS)


def _name_end(text: str, start: int, certain: bool) -> int | None:
    """Where the name starting at `start` ends, or None when there is no name there."""
    found = list(_WORD.finditer(text, start, min(len(text), start + 120)))
    if not found or found[0].start() != start:
        return None
    first = found[0].group()
    if not certain and not _looks_like_name(first):
        return None
    end = found[0].end()
    for n, m in enumerate(found[1:4], 1):
        gap = text[end : m.start()]
        if gap.strip() not in ("",):  # punctuation ends a name ("Ana, tengo...")
            break
        following = found[n + 1].group() if n + 1 < len(found) else None
        if not _continues_name(m.group(), following):
            break
        end = m.end()
    # A name never ends on a particle ("María de" + not a name).
    while True:
        tail = text[start:end].split()
        if len(tail) > 1 and _folded(tail[-1]) in _PARTICLES:
            end = start + text[start:end].rstrip().rfind(" ")
        else:
            return end


def _names(text: str) -> str:
    for pattern, certain in ((_NAMED, True), (_MAYBE_NAMED, False)):
        out, pos = [], 0
        for m in pattern.finditer(text):
            if m.end() < pos:
                continue
            end = _name_end(text, m.end(), certain)
            if end is None:
                continue
            out.append(text[pos : m.end()])
            out.append(NAME)
            pos = end
        out.append(text[pos:])
        text = "".join(out)
    return text


def _phones(text: str) -> str:
    spans = []
    for region in ("US", "MX"):
        found = phonenumbers.PhoneNumberMatcher(text, region, leniency=_LENIENCY)
        spans.extend((m.start, m.end) for m in found)
    for m in _DIGIT_GROUP.finditer(text):
        if sum(c.isdigit() for c in m.group()) >= _PHONE_MIN_DIGITS:
            spans.append(m.span())
    for start, end in sorted(spans, reverse=True):
        if PHONE not in text[start:end]:
            text = text[:start] + PHONE + text[end:]
    return text


def _address(m: re.Match) -> str:
    # "waited 2 hours on the road": a word like "hours" or "the" between the number
    # and the street type means this is not an address.
    between = m.group(2) if m.re is _ADDRESS_NUMBER_FIRST else ""
    stop = _words()["address_stopwords"]
    if any(_folded(w) in stop for w in between.split()):
        return m.group(0)
    return ADDRESS


def scrub(text: str) -> str:
    """The message with identifying details replaced by placeholders (see module doc)."""
    text = _EMAIL.sub(EMAIL, text)
    text = _A_NUMBER.sub(A_NUMBER, text)
    text = _ADDRESS_SPANISH.sub(ADDRESS, text)
    text = _ADDRESS_TYPE_FIRST.sub(ADDRESS, text)
    text = _ADDRESS_NUMBER_FIRST.sub(_address, text)
    text = _phones(text)
    text = _LONG_DIGITS.sub(NUMBER, text)
    text = _names(text)
    return re.sub(r"[ \t]+", " ", text).strip()


def without_placeholders(text: str) -> str:
    """The scrubbed text with its placeholders dropped: the start of a pattern for staff."""
    for placeholder in PLACEHOLDERS:
        text = text.replace(placeholder, " ")
    return " ".join(text.split())
