"""What the kb commands share: the default folders, a clean knowledge folder, the stage and its table."""

import argparse
import os
import re
import sys
from pathlib import Path

from tools.kb.stage import PROJECT_DIR

DEFAULT_KNOWLEDGE = PROJECT_DIR / "knowledge"
# Our own question sets, written without the evaluation sets: the confidence is calibrated on these.
OWN_QUERIES = sorted((PROJECT_DIR / "tools" / "eval").glob("queries-own*.jsonl"))


def clean_knowledge(path: str, consequence: str = "stopped"):
    """The knowledge folder, or an exit with every problem printed: no command works on a broken folder."""
    from tools.kb.knowledge import load_knowledge

    loaded = load_knowledge(Path(path))
    if loaded.problems:
        print("\n".join(loaded.problems))
        print(f"{consequence}: {len(loaded.problems)} problem(s) to fix first", file=sys.stderr)
        raise SystemExit(1)
    return loaded


def use_stage(stage: str, endpoint: str | None) -> None:
    """Point the service code at a stage's table (and, for a local run, at a DynamoDB endpoint)."""
    from chalicelib import wiring
    from tools.kb import local
    from tools.kb.stage import stage_environment

    os.environ.update({k: v for k, v in stage_environment(stage).items() if k not in os.environ})
    if endpoint:
        os.environ["DYNAMODB_ENDPOINT"] = endpoint
        if local.is_local(endpoint):
            # The embedded DynamoDB's own region and made-up keys: a newcomer's shell need not export any, and
            # a developer's real keys and region never reach the local run.
            os.environ.update(local.LOCAL_ENVIRONMENT)
    wiring.reset()


def table():
    from chalicelib import wiring
    from chalicelib.store.table import ensure_table

    settings = wiring.settings()
    if settings.dynamodb_endpoint:
        return ensure_table(wiring.dynamodb(), settings.table_name)
    return wiring.dynamodb().Table(settings.table_name)


def table_options(command: argparse.ArgumentParser, changes: bool = False) -> None:
    """Which stage's table a command works on, and (for a local run) where its DynamoDB listens; a command that
    changes it also says who runs it."""
    command.add_argument("--stage", default="dev")
    command.add_argument("--endpoint", help="DynamoDB endpoint URL (e.g. a local moto server)")
    if changes:
        operator_option(command)


def operator_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--operator",
        help="who runs this: your principal as /api/me or the editor console shows it (oidc:… or p_…); "
        "default $ZHIDA_OPERATOR; asked for on a terminal",
    )


OPERATOR = re.compile(r"^(oidc:[^\s]{1,200}|p_[0-9a-f]{12}|key:[0-9a-f]{8})$")


def operator_of(args: argparse.Namespace, tool: str):
    """The person running a command that changes the table, as the principal its changes are recorded under: the
    four-eyes rule then keeps them from approving what they imported or synced. Exits when nobody is named."""
    from chalicelib.people.access import ALL_DEPARTMENTS, Principal, Role

    given = (getattr(args, "operator", None) or os.environ.get("ZHIDA_OPERATOR", "")).strip()
    if not given and sys.stdin.isatty():
        given = input(f"{tool}: who runs this? your principal (oidc:… or p_…, as /api/me shows it): ").strip()
    if not OPERATOR.fullmatch(given):
        problem = f"'{given}' is not a principal (oidc:… or p_…)" if given else "nobody named"
        print(f"{tool}: {problem}: pass --operator or set ZHIDA_OPERATOR", file=sys.stderr)
        raise SystemExit(2)
    return Principal(Role.ADMIN, f"{given} ({tool})", frozenset({ALL_DEPARTMENTS}), principal_id=given)
