"""Lists of words and phrases kept as data (danger, other places), found in a message.

An entry is folded words; a trailing * on its last word matches any word that starts
so. Entries are found as whole words in a row, never inside a word: "gas" is not in
"gasolina", "ice" is not in "police". Entries may carry tags, so several lists (the
kinds of danger) are searched in one pass over the message.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from .text import tokens

_PREFIX_KEY = 3  # single-word prefixes ("apunal*") are looked up by their first 3 letters


class WordList:
    def __init__(self, entries: Iterable[str] = (), tag: Hashable = None):
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        self._prefixes: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self.tags: dict[tuple[str, ...], set] = {}  # entry -> the tags it was added with
        for entry in entries:
            self.add(entry, tag)

    def add(self, entry: str, tag: Hashable = None) -> None:
        star = entry.rstrip().endswith("*")
        words = tuple(tokens(entry))
        if not words:
            return
        key = words + (("*",) if star else ())
        if key not in self.tags:
            if star and len(words) == 1:
                if len(words[0]) < _PREFIX_KEY:
                    raise ValueError(f"{entry!r}: a prefix needs {_PREFIX_KEY}+ letters")
                self._prefixes.setdefault(words[0][:_PREFIX_KEY], []).append((words[0], key))
            else:
                self._by_first.setdefault(words[0], []).append(key)
        self.tags.setdefault(key, set()).add(tag)

    def find(self, words: list[str]) -> list[tuple[str, ...]]:
        """Every entry found in `words` (folded tokens), as its words."""
        return [entry for _, entry in self.spans(words)]

    def spans(self, words: list[str]) -> list[tuple[int, tuple[str, ...]]]:
        """(where it starts, entry) for every entry found."""
        found = []
        by_first, prefixes = self._by_first, self._prefixes
        for i, w in enumerate(words):
            for entry in by_first.get(w, ()):
                if _matches(entry, words, i):
                    found.append((i, entry))
            for prefix, entry in prefixes.get(w[:_PREFIX_KEY], ()):
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
