"""Imported once by the fork server before it forks any careerhub process.

tqdm guards its progress bars with an inter-process lock. Created in a child of the fork server it
is a named semaphore that a SIGKILLed process never unlinks; inherited from here, a child killed while
holding it would block every later child forever. The children are independent commands, as they are
in real use, so each guards its progress bars with its own thread lock instead."""

from __future__ import annotations

from tqdm.std import TqdmDefaultWriteLock, tqdm

tqdm.set_lock(TqdmDefaultWriteLock.th_lock)
