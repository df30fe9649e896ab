"""kb serve: the whole service on one machine: embedded DynamoDB, knowledge/ loaded, chalice's dev server.

Local data survives restarts: the table is restored from a backup file at start, saved to it every few
seconds when something changed, and once more at Ctrl-C.
"""

import datetime as dt
import functools
import logging
import signal
import threading
from pathlib import Path

from chalice.cli.factory import CLIFactory
from chalice.local import ChaliceRequestHandler, create_local_server

from chalicelib import wiring
from chalicelib.store import ensure_table
from tools.kb.backup import backup, restore
from tools.kb.knowledge import load_knowledge
from tools.kb.local import embedded_dynamodb, moto_write_lock
from tools.kb.stage import PROJECT_DIR
from tools.kb.sync import progress_bar, sync_knowledge

# The demo editor and reviewer share a department, so the editorial flow can be tried end to end.
DEMO_KEYS = [("agent", "hotline-12345"), ("editor", "heating-company"), ("reviewer", "heating-company"), ("admin", "*")]
DEMO_NAME = "demo {role}"
log = logging.getLogger(__name__)
MAINTENANCE_SECONDS = 3.0  # scheduled publishes and saving local data; AWS runs the same job each minute


def serve(knowledge_dir: Path, host: str, port: int, stage: str = "dev", data: Path | None = None) -> int:
    loaded = load_knowledge(knowledge_dir)
    if loaded.problems:
        print("\n".join(loaded.problems))
        print(f"{len(loaded.problems)} problem(s): fix them (python -m tools.kb lint {knowledge_dir}) and run again")
        return 1
    with embedded_dynamodb(stage) as endpoint:
        wiring.reset()
        table = ensure_table(wiring.dynamodb(), wiring.settings().table_name)
        if data is not None and data.exists():
            print(f"restored {restore(table, data)} item(s) from {data}")
        report = sync_knowledge(wiring.store(), loaded, dt.datetime.now(dt.UTC), publish=True, progress=progress_bar)
        print(f"embedded DynamoDB at {endpoint}: {report.summary()}")
        _renew_demo_keys()
        # Without this the dev server waits ~44 ms on every keep-alive response (Nagle's algorithm).
        ChaliceRequestHandler.disable_nagle_algorithm = True
        ChaliceRequestHandler.log_request = _log_without_query
        config = CLIFactory(project_dir=str(PROJECT_DIR)).create_config_obj(chalice_stage_name=stage)
        # chalice's own local server keeps current_request per thread: concurrent requests never mix
        server = create_local_server(config.chalice_app, config, host, port)
        stop = threading.Event()
        keeper = threading.Thread(target=_keep, args=(table, data, stop), daemon=True)
        keeper.start()
        # `kill` (SIGTERM) stops the server as Ctrl-C does, so the data is saved either way.
        signal.signal(signal.SIGTERM, _interrupt)
        url = f"http://{host}:{port}"
        print(f"pages: citizen FAQ {url}/  ·  agent console {url}/agent  ·  editor console {url}/editor")
        print(f"Zhida is serving on {url}  (Ctrl-C to stop)", flush=True)
        try:
            server.server.serve_forever()
        except KeyboardInterrupt:
            print("\nstopping")
        finally:
            stop.set()
            keeper.join()
            server.server.server_close()
            if data is not None:
                _save(table, data)
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


def _keep(table, data: Path | None, stop: threading.Event) -> None:
    """Every few seconds: publish what is due, and save the local data if the store changed."""
    saved_generation = wiring.store().generation()
    while not stop.wait(MAINTENANCE_SECONDS):
        try:
            wiring.maintenance()
            generation = wiring.store().generation()
            if data is not None and generation != saved_generation:
                _save(table, data)
                saved_generation = generation
        except Exception:  # noqa: BLE001 - a failed round is retried at the next one; the server keeps serving
            log.exception("local maintenance failed; retrying")


def _save(table, data: Path) -> None:
    with moto_write_lock():  # no write lands half-way through the copy
        backup(table, data)
