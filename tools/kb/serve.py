"""kb serve: the whole service on one machine: embedded DynamoDB, knowledge/ loaded, chalice's dev server.

Local data survives restarts: the table is restored from a backup file at start (less the items whose TTL
has passed), saved to it within a second of any write (an edit, feedback, a key, the query log), and once
more at Ctrl-C or SIGTERM, so even a SIGKILL loses at most the last second. A save lists moto's items under
its write lock, which takes milliseconds, and serialises them after letting go of it, each item only once
until it changes. moto never expires TTL items, so the maintenance round deletes them, as DynamoDB would.
"""

import datetime as dt
import functools
import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

from chalice.cli.factory import CLIFactory
from chalice.local import ChaliceRequestHandler, create_local_server
from moto.dynamodb.models.dynamo_type import Item

from chalicelib import wiring
from chalicelib.people.access import Principal, Role
from chalicelib.people.mappings import ClaimMapping, ClaimRule
from chalicelib.store.table import ensure_table
from tools.kb import local
from tools.kb.backup import backup_line, restore, write_backup
from tools.kb.knowledge import load_knowledge
from tools.kb.provider import CLIENT_ID, DEMO_PEOPLE, SCOPES, running_provider
from tools.kb.stage import PROJECT_DIR
from tools.kb.sync import progress_bar, sync_knowledge

# The demo editor and reviewer share a department, so the editorial flow can be tried end to end.
DEMO_KEYS = [("agent", "hotline-12345"), ("editor", "heating-company"), ("reviewer", "heating-company"), ("admin", "*")]
DEMO_NAME = "demo {role}"
# The local identity provider's demo groups: what the claim mapping gives each (tools/kb/provider.py's people).
DEMO_GROUPS = [
    ("zhida-agents", "agent", "hotline-12345"),
    ("zhida-editors-heating", "editor", "heating-company"),
    ("zhida-reviewers-heating", "reviewer", "heating-company"),
    ("zhida-admins", "admin", "*"),
]
ROLE_OF_GROUP = {group: role for group, role, _ in DEMO_GROUPS}
DEMO_ROLES = {username: ROLE_OF_GROUP.get(group, "no-role") for username, _, group in DEMO_PEOPLE}
log = logging.getLogger(__name__)
MAINTENANCE_SECONDS = 3.0  # scheduled publishes and TTL expiry; AWS runs the same job each minute
SAVE_SECONDS = 0.5  # a write is on disk within this plus one save: under a second, even at 20,000 items


def serve(
    knowledge_dir: Path, host: str, port: int, stage: str = "dev", data: Path | None = None, idp_port: int | None = None
) -> int:
    loaded = load_knowledge(knowledge_dir)
    if loaded.problems:
        print("\n".join(loaded.problems))
        print(f"{len(loaded.problems)} problem(s): fix them (python -m tools.kb lint {knowledge_dir}) and run again")
        return 1
    url = f"http://{host}:{port}"
    origins = [url, f"http://localhost:{port}"] if host == "127.0.0.1" else [url]
    idp_port = port + 1 if idp_port is None else idp_port
    with local.embedded_dynamodb(stage) as endpoint, running_provider(host, idp_port, origins) as provider:
        os.environ.update({"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_SCOPES": SCOPES})
        wiring.reset()
        table = ensure_table(wiring.dynamodb(), wiring.settings().table_name)
        if data is not None and data.exists():
            print(f"restored {restore(table, data, write=local.put_items)} item(s) from {data}")
        report = sync_knowledge(wiring.store(), loaded, dt.datetime.now(dt.UTC), publish=True, progress=progress_bar)
        print(f"embedded DynamoDB at {endpoint}: {report.summary()}")
        _renew_demo_keys()
        map_demo_groups()
        # Without this the dev server waits ~44 ms on every keep-alive response (Nagle's algorithm).
        ChaliceRequestHandler.disable_nagle_algorithm = True
        ChaliceRequestHandler.log_request = _log_without_query
        config = CLIFactory(project_dir=str(PROJECT_DIR)).create_config_obj(chalice_stage_name=stage)
        # chalice's own local server keeps current_request per thread: concurrent requests never mix
        server = create_local_server(config.chalice_app, config, host, port)
        stop = threading.Event()
        data_file = DataFile(table, data) if data is not None else None
        # The saver has its own thread: a long maintenance round must not hold up saving.
        workers = [threading.Thread(target=_keep, args=(table, stop), daemon=True)]
        if data_file is not None:
            workers.append(threading.Thread(target=_save_while_serving, args=(data_file, stop), daemon=True))
        for worker in workers:
            worker.start()
        # `kill` (SIGTERM) stops the server as Ctrl-C does, so the data is saved either way. SIGINT is set too: a
        # process started from a background job inherits it ignored, and Python then never raises KeyboardInterrupt.
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGINT, _interrupt)
        print(f"sign in to the consoles through the local identity provider at {provider.issuer}:")
        for username, role in DEMO_ROLES.items():
            print(f"demo user {role}: {username} {provider.people[username].password}")
        print(f"pages: citizen FAQ {url}/  ·  agent console {url}/agent  ·  editor console {url}/editor")
        print(f"Zhida is serving on {url}  (Ctrl-C to stop)", flush=True)
        try:
            server.server.serve_forever()
        except KeyboardInterrupt:
            print("\nstopping")
        finally:
            # A second Ctrl-C or SIGTERM (a supervisor, `timeout`, an impatient hand) must not cut the last save.
            for stopping in (signal.SIGINT, signal.SIGTERM):
                signal.signal(stopping, signal.SIG_IGN)
            stop.set()
            for worker in workers:
                worker.join()
            server.server.server_close()
            if data_file is not None:
                data_file.save()
                print(f"local data saved to {data}")
    return 0


def _log_without_query(handler: ChaliceRequestHandler, code: int | str = "-", size: int | str = "-") -> None:
    """The access log line, without the query string: a search's words may hold a caller's number."""
    path = handler.path.split("?", 1)[0]
    handler.log_message('"%s %s" %s %s', handler.command, path, code, size)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _renew_demo_keys() -> None:
    """Fresh demo keys each run (a key is shown only once) for the same demo holders; last run's are revoked."""
    ring = wiring.keys()
    holders = {record.name for record in ring.list()}
    now = dt.datetime.now(dt.UTC)
    for role, department in DEMO_KEYS:
        name = DEMO_NAME.format(role=role)
        renew = ring.rotate if name in holders else functools.partial(ring.create, role)
        _, key = renew(name=name, departments=[department], now=now)
        print(f"demo key {role} {department}: {key}")


def map_demo_groups() -> None:
    """The local provider's demo groups mapped to their roles, unless an admin has written a mapping already."""
    identities = wiring.identities()
    if identities.mapping().revision == 0:
        rules = [
            ClaimRule(claim="groups", value=group, role=role, departments=[code]) for group, role, code in DEMO_GROUPS
        ]
        identities.change_mapping(ClaimMapping(rules=rules), 0, Principal(Role.ADMIN, "kb-serve"))


def _keep(table: Any, stop: threading.Event) -> None:
    """Every few seconds: publish what is due, and delete what has expired."""
    while not stop.wait(MAINTENANCE_SECONDS):
        try:
            local.expire(table, time.time())
            wiring.maintenance()
        except Exception:  # noqa: BLE001 - a failed round is retried at the next one; the server keeps serving
            log.exception("local maintenance failed; retrying")


class DataFile:
    """The file the local run keeps its table in between runs, a `kb backup` file."""

    def __init__(self, table: Any, path: Path) -> None:
        self.table = table
        self.path = path
        self.saved_writes: int | None = None  # local.writes() when last saved; None: not saved yet
        self._lines: dict[int, tuple[Item, str]] = {}  # by id(item): the item, kept so its id stays its own

    def __len__(self) -> int:
        """The items in the file as last saved."""
        return len(self._lines)

    def save_if_written(self) -> bool:
        """Save unless nothing was written since the last save; whether it saved."""
        if local.writes() == self.saved_writes:
            return False
        self.save()
        return True

    def save(self) -> None:
        """Hold writers only while the items are listed; serialise and write the file after letting go."""
        items, writes = local.snapshot(self.table)
        # moto's stored items never change (see local.snapshot): an item seen by the last save has its line
        self._lines = {id(item): self._lines.get(id(item)) or (item, _line(item)) for item in items}
        write_backup((line for _, line in self._lines.values()), self.path)
        self.saved_writes = writes


def _save_while_serving(data: DataFile, stop: threading.Event) -> None:
    """Twice a second: save the local data if anything was written since the last save."""
    while not stop.wait(SAVE_SECONDS):
        try:
            data.save_if_written()
        except Exception:  # noqa: BLE001 - retried at the next round; the server keeps serving
            log.exception("saving local data failed; retrying")


def _line(item: Item) -> str:
    return backup_line(local.item_json(item))
