"""Encryption at rest for read-model text that names people or institutions, with the same
AES key as the event store, so a copied database file reveals no names."""
from __future__ import annotations

import base64
import hashlib
import hmac

from eventsourcing.cipher import AESCipher
from eventsourcing.utils import Environment

from engine.errors import CareerHubError

PREFIX = "aes:"


class Sealer:
    def __init__(self, key: str):
        try:
            self.cipher = AESCipher(Environment(env={"CIPHER_KEY": key}))
            self.lookup_secret = hashlib.sha256(b"careerhub lookup key|" + key.encode()).digest()
        except Exception as error:  # the library raises several kinds for a malformed key
            raise CareerHubError(f"CAREERHUB_CIPHER_KEY is not a valid key ({error}); make one with `careerhub keygen`") from None

    def seal(self, text: str | None) -> str | None:
        if text is None:
            return None
        return PREFIX + base64.b64encode(self.cipher.encrypt(text.encode())).decode()

    def lookup_key(self, text: str | None) -> str | None:
        """A keyed hash to find sealed text by equality (e.g. the log's actor) without decrypting it."""
        if text is None:
            return None
        return "hmac:" + hmac.new(self.lookup_secret, text.encode(), hashlib.sha256).hexdigest()

    def unseal(self, text: str | None) -> str | None:
        if text is None or not text.startswith(PREFIX):
            return text
        try:
            return self.cipher.decrypt(base64.b64decode(text[len(PREFIX):])).decode()
        except Exception:
            raise CareerHubError("cannot decrypt the read model: wrong CAREERHUB_CIPHER_KEY") from None


class NoSealer:
    """Plain text when encryption at rest is off."""

    def seal(self, text: str | None) -> str | None:
        return text

    def unseal(self, text: str | None) -> str | None:
        return text

    def lookup_key(self, text: str | None) -> str | None:
        return text
