"""Chat conversations without a server-side record: the state travels in a signed token.

The token carries only the conversation's language and the last menu shown. Nothing
a resident typed is in it, and the server keeps no copy, so there is no list of
conversations to subpoena or leak; a tampered or expired token starts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from itsdangerous import BadData, URLSafeTimedSerializer


@dataclass
class State:
    lang: str | None = None
    menu: list[str] = field(default_factory=list)


class SessionCodec:
    def __init__(self, secret: str, max_age: int, languages):
        self._s = URLSafeTimedSerializer(secret, salt="chat-session")
        self._max_age = max_age
        self._languages = set(languages)

    def dumps(self, state: State) -> str:
        return self._s.dumps({"l": state.lang, "m": state.menu})

    def loads(self, token: str | None) -> State | None:
        """The state in a token, or None when it is missing, forged, expired or malformed."""
        if not token or len(token) > 2000:
            return None
        try:
            data = self._s.loads(token, max_age=self._max_age)
        except BadData:
            return None
        if not isinstance(data, dict):
            return None
        lang = data.get("l")
        menu = data.get("m")
        if lang not in self._languages or not isinstance(menu, list):
            return None
        return State(lang=lang, menu=[m for m in menu if isinstance(m, str)])
