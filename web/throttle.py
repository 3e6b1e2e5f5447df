"""Sign-in throttling: after repeated failures, an account name (from one address) and an address
(for any name) wait before they may try again, so passwords cannot be guessed at speed."""
from __future__ import annotations

import threading
from collections import defaultdict, deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
PER_NAME_AND_ADDRESS = 5
PER_ADDRESS = 20


class SignInThrottle:
    def __init__(self) -> None:
        self.failures: dict[tuple[str, ...], deque[datetime]] = defaultdict(deque)
        self.lock = threading.Lock()

    def keys(self, name: str, address: str | None) -> list[tuple[tuple[str, ...], int]]:
        return [(("name", name.lower(), address or ""), PER_NAME_AND_ADDRESS), (("address", address or ""), PER_ADDRESS)]

    def wait(self, name: str, address: str | None, now: datetime) -> timedelta | None:
        """How long this attempt must wait, or None if it may go ahead."""
        with self.lock:
            for key, limit in self.keys(name, address):
                recent = self.failures[key]
                while recent and now - recent[0] > WINDOW:
                    recent.popleft()
                if len(recent) >= limit:
                    return recent[0] + WINDOW - now
        return None

    def failed(self, name: str, address: str | None, now: datetime) -> None:
        with self.lock:
            for key, _ in self.keys(name, address):
                self.failures[key].append(now)

    def succeeded(self, name: str, address: str | None) -> None:
        with self.lock:
            self.failures.pop(self.keys(name, address)[0][0], None)
