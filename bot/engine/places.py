"""Questions about another city's or state's police, which this service cannot answer.

"Does Phoenix PD check immigration status at traffic stops?" is worded exactly like a
Tucson question, and answering it with Tucson's statements would tell a resident
something no one said about Phoenix. The places are data (intents/_places.yaml): a
message that names a place elsewhere and none here is about elsewhere.
"""

from __future__ import annotations

from .wordlists import WordList


class Places:
    def __init__(self, data: dict):
        self._here = WordList(data.get("here", []))
        self._elsewhere = WordList(data.get("elsewhere", []))

    def elsewhere(self, words: list[str]) -> bool:
        """`words` are the message's folded tokens (bot/engine/text.py)."""
        return bool(self._elsewhere.find(words)) and not self._here.find(words)
