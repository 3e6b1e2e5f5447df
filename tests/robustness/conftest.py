"""Fixtures of the robustness proofs: a fork server of careerhub processes, and the counts every
proof printed, repeated at the end of the session."""

from __future__ import annotations

from multiprocessing.context import ForkServerContext
from typing import Any

import pytest

from tests.robustness import harness
from tests.robustness.support import summary_lines


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes minutes (deselect with -m 'not slow')")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = summary_lines()
    if lines:
        terminalreporter.section("robustness counts")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def forkserver(tmp_path_factory: pytest.TempPathFactory) -> ForkServerContext:
    """careerhub processes forked from a server that has already imported careerhub."""
    ctx = harness.context()
    harness.ok(harness.cli(ctx, tmp_path_factory.mktemp("forkserver"), "--version"))  # start it now, not in a timing
    return ctx
