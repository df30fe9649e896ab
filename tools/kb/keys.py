"""kb keys: API keys for machines (syncs, integrations): create, rotate, list, revoke; each change is an entry in
the admin audit log under the operator who made it. People sign in through the identity provider instead."""

import argparse
import datetime as dt
import sys

from tools.kb.cli import operator_of, operator_option, table_options, use_stage


def _keys(args: argparse.Namespace) -> int:
    from chalicelib import wiring
    from chalicelib.errors import InvalidInput, NotFound
    from chalicelib.people.keys import KeyRing

    operator = operator_of(args, "kb keys") if args.action != "list" else None
    use_stage(args.stage, args.endpoint)
    store = wiring.store()
    ring = KeyRing(store.keys, store.directory.departments)  # the directory straight from the table: no index to load
    if args.action == "list":
        for record in ring.list():
            expired = record.expires_at is not None and record.expires_at <= dt.datetime.now(dt.UTC)
            state = "revoked" if record.revoked else "expired" if expired else "active"
            departments = ",".join(record.departments) or "-"
            created = f"{record.created_at:%Y-%m-%d}"
            until = f"{record.expires_at:%Y-%m-%d}" if record.expires_at else "-         "
            print(f"{record.key_id}  {record.role:<9} {state:<8} {created}  {until}  {record.name}  [{departments}]")
        return 0
    assert operator is not None
    if args.action == "revoke":
        revoked = next((k for k in ring.list() if k.key_id == args.key_id), None)
        if revoked is None or not ring.revoke(args.key_id):
            print(f"kb keys: no key with id {args.key_id}", file=sys.stderr)
            return 1
        wiring.changes().record(operator, f"key:{args.key_id}", "revoke", ring.described(revoked), revoked.name)
        print(f"revoked {args.key_id}")
        return 0
    now = dt.datetime.now(dt.UTC)
    try:
        if args.action == "create":
            record, key = ring.create(args.role, args.name, args.department or [], now, args.days)
        else:
            record, key = ring.rotate(args.name, now, args.department, args.days)
    except (InvalidInput, NotFound) as error:
        print(f"kb keys: {error.message}", file=sys.stderr)
        return 2
    until = f"{record.expires_at:%Y-%m-%d}" if record.expires_at else "-"
    wiring.changes().record(operator, f"key:{record.key_id}", args.action, ring.described(record), record.name)
    print(f"key id {record.key_id} for {record.name} ({record.role}), valid until {until}; shown once, keep it safe:")
    print(key)
    return 0


def add_keys(commands: argparse._SubParsersAction) -> None:
    keys = commands.add_parser("keys", help="API keys for machines: create, rotate, list, revoke")
    table_options(keys)
    key_actions = keys.add_subparsers(dest="action", required=True)
    create = key_actions.add_parser("create", help="make a key; it is printed once and stored only hashed")
    create.add_argument("--role", required=True, help="agent, editor, reviewer or admin")
    create.add_argument("--name", required=True, help="who holds it (unique), for the audit trail")
    create.add_argument(
        "--department", action="append", help="department code the holder acts for (repeatable; * for an admin of all)"
    )
    rotate = key_actions.add_parser("rotate", help="a new key for an existing holder; their old keys are revoked")
    rotate.add_argument("--name", required=True, help="the holder, as named when their key was created")
    rotate.add_argument("--department", action="append", help="new department codes (default: keep them)")
    for making in (create, rotate):
        making.add_argument("--days", type=int, default=365, help="days until the key is refused (1-730)")
    key_actions.add_parser("list", help="every key: id, role, state, holder, departments")
    revoke = key_actions.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    for changing in (create, rotate, revoke):
        operator_option(changing)
    keys.set_defaults(run=_keys)
