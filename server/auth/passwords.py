"""Password hashing with argon2 (argon2-cffi's recommended parameters)."""

from __future__ import annotations

import argon2


class PasswordHasher:
    """Hashes and verifies agent passwords."""

    def __init__(self) -> None:
        self._hasher = argon2.PasswordHasher()

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False
