"""The safety net under the classifier: words of danger, by kind, kept as data.

Missing someone in danger is the worst failure this service can have, and a
classifier trained on a few hundred emergencies will meet ways of saying it that it
never saw ("toddler swallowed a button battery"). So a message with a word or
phrase of intents/_danger.yaml is an emergency unless the classifier is sure it is
about something else (bot/engine/matcher.py), and the kind of danger (medical, fire, ...)
picks the reply: 911 first, then the numbers for that kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from .wordlists import WordList

# When two kinds are named equally ("he stabbed me and I'm bleeding"), the one
# whose reply matters most for the person writing comes first.
PRIORITY = ("self_harm", "violence", "poisoning", "fire", "medical")


@dataclass(frozen=True)
class Danger:
    kinds: tuple[str, ...]  # every kind named, the one to answer first
    fear: bool  # immigration enforcement named too ("... but I have no papers")
    named: bool = False  # a danger word found, of a kind or of none ("I'm in danger")
    certain: bool = False  # one of the words that are danger whatever else is said

    @property
    def kind(self) -> str | None:
        return self.kinds[0] if self.kinds else None


class DangerLexicon:
    def __init__(self, data: dict, langs=("en", "es")):
        always = data.get("always", {})
        # One list, searched once: each entry tagged with what finding it means.
        self._all = WordList()

        def add(block, tag):
            for lang in langs:
                for entry in (block or {}).get(lang, []):
                    self._all.add(entry, tag)

        for kind, by_lang in data.get("kinds", {}).items():
            add(by_lang, ("kind", kind))
        for kind, by_lang in always.items():
            add(by_lang, ("any",) if kind == "any" else ("kind", kind))
            add(by_lang, ("always",))
        add(data.get("any"), ("any",))
        add(data.get("against_me"), ("kind", "violence"))
        add(data.get("against_me"), ("against_me",))
        add(data.get("immigration"), ("fear",))
        self._not = WordList(e for lang in langs for e in (data.get("not") or {}).get(lang, []))
        self._all_words = {w for entry in self._all.tags for w in entry if len(w) > 3}
        order = {k: n for n, k in enumerate(PRIORITY)}
        self._rank = lambda kind: order.get(kind, len(order))

    def words(self) -> set[str]:
        """Every word of every entry: typo correction corrects to them too, so
        "aogando" is "ahogando", not "abogado"."""
        return self._all_words

    def find(self, words: list[str]) -> Danger:
        """`words` are the message's folded tokens (bot/text.py)."""
        words = self._not.without(words)
        longest: dict[str, int] = {}
        named = certain = fear = against_me = False
        for _, entry in self._all.spans(words):
            length = len(entry) - (entry[-1] == "*")
            for tag in self._all.tags[entry]:
                if tag[0] == "kind":
                    longest[tag[1]] = max(longest.get(tag[1], 0), length)
                    named = True
                elif tag[0] == "any":
                    named = True
                elif tag[0] == "always":
                    certain = True
                elif tag[0] == "against_me":
                    against_me = True
                else:
                    fear = True
        # Self-harm first whenever it is named: "me quiero matar" holds "matar" too,
        # and must get 988, not a domestic-violence line.
        kinds = sorted(longest, key=lambda k: (k != "self_harm", -longest[k], self._rank(k)))
        # Hurt by someone, and afraid to call because of papers: danger whatever the
        # classifier reads (intents/_danger.yaml, against_me).
        return Danger(tuple(kinds), fear, named, certain or (against_me and fear))


def either(a: Danger, b: Danger) -> Danger:
    """What two readings of a message (as written, and typos corrected) find."""
    kinds = tuple(dict.fromkeys(a.kinds + b.kinds))
    if "self_harm" in kinds:
        kinds = ("self_harm", *(k for k in kinds if k != "self_harm"))
    return Danger(kinds, a.fear or b.fear, a.named or b.named, a.certain or b.certain)
