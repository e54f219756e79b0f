"""Visitor tokens: the visitor's id, signed by the server, kept by the widget."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer


class VisitorTokens:
    """Issues and checks signed visitor tokens."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt="tandem.visitor")

    def issue(self, visitor_id: int) -> str:
        return self._serializer.dumps({"v": visitor_id})

    def visitor_id(self, token: str) -> int | None:
        """The visitor id in a token this server signed, else None."""
        if not token.isascii():  # ours are ASCII; other text would not even encode
            return None
        try:
            data = self._serializer.loads(token)
        except BadSignature:
            return None
        value = data.get("v") if isinstance(data, dict) else None
        return value if isinstance(value, int) else None
