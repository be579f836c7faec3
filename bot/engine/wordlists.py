"""Lists of words and phrases kept as data (danger, other places), found in a message.

An entry is folded words; a trailing * on its last word matches any word that starts
so. Entries are found as whole words in a row, never inside a word: "gas" is not in
"gasolina", "ice" is not in "police".
"""

from __future__ import annotations

from collections.abc import Iterable

from .text import tokens


class WordList:
    def __init__(self, entries: Iterable[str]):
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        self._prefix_first: list[tuple[str, tuple[str, ...]]] = []
        for entry in entries:
            star = entry.rstrip().endswith("*")
            words = tuple(tokens(entry))
            if not words:
                continue
            entry_words = words + (("*",) if star else ())
            if star and len(words) == 1:
                self._prefix_first.append((words[0], entry_words))
            else:
                self._by_first.setdefault(words[0], []).append(entry_words)

    def find(self, words: list[str]) -> list[tuple[str, ...]]:
        """Every entry found in `words` (folded tokens), as its words."""
        return [entry for _, entry in self.spans(words)]

    def spans(self, words: list[str]) -> list[tuple[int, tuple[str, ...]]]:
        """(where it starts, entry) for every entry found."""
        found = []
        for i, w in enumerate(words):
            for entry in self._by_first.get(w, ()):
                if _matches(entry, words, i):
                    found.append((i, entry))
            for prefix, entry in self._prefix_first:
                if w.startswith(prefix):
                    found.append((i, entry))
        return found

    def without(self, words: list[str]) -> list[str]:
        """`words` with every entry found taken out (a gap stays, so nothing new joins)."""
        out = list(words)
        for start, entry in self.spans(words):
            for k in range(start, start + len(entry) - (entry[-1] == "*")):
                out[k] = ""
        return out


def _matches(entry: tuple[str, ...], words: list[str], at: int) -> bool:
    star = entry[-1] == "*"
    need = entry[:-1] if star else entry
    if at + len(need) > len(words):
        return False
    for k, e in enumerate(need):
        w = words[at + k]
        last = k == len(need) - 1
        if not (w == e or (star and last and w.startswith(e))):
            return False
    return True
