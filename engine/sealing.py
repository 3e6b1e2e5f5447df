"""Encryption at rest for read-model text that names people or institutions, with the same
AES key as the event store, so a copied database file reveals no names."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import overload

from eventsourcing.cipher import AESCipher
from eventsourcing.utils import Environment

from engine.errors import CareerHubError

PREFIX = "aes:"


class NoSealer:
    """Plain text when encryption at rest is off. None stays None through every method; a sealer
    overrides the `*_text` methods."""

    seals = False  # unseal() returns what it is given

    @overload
    def seal(self, text: str) -> str: ...
    @overload
    def seal(self, text: None) -> None: ...
    def seal(self, text: str | None) -> str | None:
        return None if text is None else self.seal_text(text)

    @overload
    def unseal(self, text: str) -> str: ...
    @overload
    def unseal(self, text: None) -> None: ...
    def unseal(self, text: str | None) -> str | None:
        return None if text is None else self.unseal_text(text)

    @overload
    def lookup_key(self, text: str) -> str: ...
    @overload
    def lookup_key(self, text: None) -> None: ...
    def lookup_key(self, text: str | None) -> str | None:
        """A keyed hash to find sealed text by equality (e.g. the log's actor) without decrypting it."""
        return None if text is None else self.lookup_text(text)

    def seal_text(self, text: str) -> str:
        return text

    def unseal_text(self, text: str) -> str:
        return text

    def lookup_text(self, text: str) -> str:
        return text


class Sealer(NoSealer):
    seals = True

    def __init__(self, key: str):
        try:
            self.cipher = AESCipher(Environment(env={"CIPHER_KEY": key}))
            self.lookup_secret = hashlib.sha256(b"careerhub lookup key|" + key.encode()).digest()
        except Exception as error:  # the library raises several kinds for a malformed key
            raise CareerHubError(f"CAREERHUB_CIPHER_KEY is not a valid key ({error}); make one with `careerhub keygen`") from None

    def seal_text(self, text: str) -> str:
        return PREFIX + base64.b64encode(self.cipher.encrypt(text.encode())).decode()

    def lookup_text(self, text: str) -> str:
        return "hmac:" + hmac.new(self.lookup_secret, text.encode(), hashlib.sha256).hexdigest()

    def unseal_text(self, text: str) -> str:
        if not text.startswith(PREFIX):
            return text
        try:
            return self.cipher.decrypt(base64.b64decode(text[len(PREFIX) :])).decode()
        except Exception:
            raise CareerHubError("cannot decrypt the read model: wrong CAREERHUB_CIPHER_KEY") from None
