"""kb serve: the whole service on one machine: embedded DynamoDB, knowledge/ loaded, chalice's dev server."""

import datetime as dt
from pathlib import Path

from chalice.cli.factory import CLIFactory
from chalice.local import ChaliceRequestHandler, LocalDevServer

from chalicelib import wiring
from tools.kb.knowledge import load_knowledge
from tools.kb.local import embedded_dynamodb
from tools.kb.stage import PROJECT_DIR
from tools.kb.sync import progress_bar, sync_knowledge

# The demo editor and reviewer share a department, so the editorial flow can be tried end to end.
DEMO_KEYS = [("agent", "*"), ("editor", "供热企业"), ("reviewer", "供热企业"), ("admin", "*")]


def serve(knowledge_dir: Path, host: str, port: int, stage: str = "dev") -> int:
    loaded = load_knowledge(knowledge_dir)
    if loaded.problems:
        print("\n".join(loaded.problems))
        print(f"{len(loaded.problems)} problem(s): fix them (python -m tools.kb lint {knowledge_dir}) and run again")
        return 1
    with embedded_dynamodb(stage) as endpoint:
        wiring.reset()
        report = sync_knowledge(wiring.store(), loaded, dt.datetime.now(dt.UTC), progress=progress_bar)
        print(f"embedded DynamoDB at {endpoint}: {report.summary()}")
        for role, department in DEMO_KEYS:
            _, key = wiring.keys().create(role, f"demo {role}", [department], dt.datetime.now(dt.UTC))
            print(f"demo key {role} {department}: {key}")
        # Without this the dev server waits ~44 ms on every keep-alive response (Nagle's algorithm).
        ChaliceRequestHandler.disable_nagle_algorithm = True
        config = CLIFactory(project_dir=str(PROJECT_DIR)).create_config_obj(chalice_stage_name=stage)
        server = LocalDevServer(config.chalice_app, config, host, port)
        print(f"Zhida is serving on http://{host}:{port}  (Ctrl-C to stop)")
        try:
            server.server.serve_forever()
        except KeyboardInterrupt:
            print("\nstopped")
        finally:
            server.server.server_close()
    return 0
