"""A store holding users' events is read (replayed into the read model) by a process that never
imported the users' service: every stored event's topic resolves in the engine itself."""

from __future__ import annotations

import subprocess
import sys

from config.settings import load_settings
from service.hub import HubService
from service.users import Users

REBUILD = (
    "import sys; from config.settings import load_settings; from service.hub import HubService; "
    "hub = HubService(load_settings(sys.argv[1], 'test')); print(hub.projector.rebuild()); hub.close()"
)


def test_a_store_with_users_is_rebuilt_by_a_process_that_knows_only_the_engine(database_url: str):
    hub = HubService(load_settings(database_url, "admin"))
    Users(hub).add_user("someone@dorset", "admin", None, "a long enough password", "admin")
    position = hub.app.last_position()
    hub.close()
    rebuilt = subprocess.run([sys.executable, "-c", REBUILD, database_url], capture_output=True, text=True, timeout=120)
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    assert int(rebuilt.stdout.strip()) == position
