"""The operations: serve, lint, sync, export, import, backup, restore, package, report, demo-traffic, keys."""

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from tools.kb.cli import DEFAULT_KNOWLEDGE, clean_knowledge, operator_of, table, table_options, use_stage
from tools.kb.keys import add_keys
from tools.kb.stage import PROJECT_DIR


def _serve(args: argparse.Namespace) -> int:
    from tools.kb.serve import serve

    data = None if args.fresh else Path(args.data or PROJECT_DIR / ".zhida" / f"local-{args.stage}.jsonl")
    return serve(Path(args.knowledge), args.host, args.port, args.stage, data, args.idp_port)


def _lint(args: argparse.Namespace) -> int:
    from chalicelib.search.embeddings import shared_embedder
    from tools.kb.knowledge import load_knowledge
    from tools.kb.scope import scope_problems

    status = 0
    for folder in args.paths:
        loaded = load_knowledge(Path(folder))
        if not loaded.problems:
            loaded.problems.extend(scope_problems(Path(folder), loaded, shared_embedder()))
        for line in [*loaded.problems, *loaded.notices]:
            print(line)
        if loaded.problems:
            status = 1
        counts = f"{len(loaded.problems)} problem(s), {len(loaded.notices)} note(s)"
        print(f"{folder}: {len(loaded.articles)} article(s), {counts}", file=sys.stderr)
    return status


def _sync(args: argparse.Namespace) -> int:
    from chalicelib import wiring
    from tools.kb.sync import SYNC_TOOL, bar, progress_bar, sync_knowledge
    from tools.kb.vectors import embed_articles

    loaded = clean_knowledge(args.path, "nothing synced")
    operator = operator_of(args, SYNC_TOOL)
    use_stage(args.stage, args.endpoint)
    report = sync_knowledge(
        wiring.store(),
        loaded,
        dt.datetime.now(dt.UTC),
        publish=args.publish,
        progress=progress_bar,
        prepare=lambda changed: embed_articles(loaded.lexicon, changed, args.jobs, bar("embed")),
        operator=operator,
    )
    print(f"{wiring.settings().table_name}: {report.summary()}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from chalicelib import wiring
    from tools.kb.export import export_folder, export_xlsx

    use_stage(args.stage, args.endpoint)
    target = Path(args.target)
    if args.format == "xlsx":
        count = export_xlsx(wiring.store(), target)
    else:
        count = export_folder(wiring.store(), target)
    print(f"{count} published article(s) exported to {target}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from chalicelib import wiring
    from tools.kb.importer import import_rows, read_rows
    from tools.kb.sync import bar
    from tools.kb.vectors import embed_articles

    rows, problems = read_rows(Path(args.file))
    if not problems:
        operator = operator_of(args, "kb import")
        use_stage(args.stage, args.endpoint)
        store = wiring.store()
        report = import_rows(
            store,
            rows,
            args.publish,
            dt.datetime.now(dt.UTC),
            Path(args.file).name,
            prepare=lambda changed: embed_articles(store.lexicon.current()[0], changed, args.jobs, bar("embed")),
            progress=bar("import"),
            operator=operator,
        )
        problems = report.problems
    if problems:
        print("\n".join(problems))
        print(f"nothing imported: {len(problems)} problem(s) to fix first", file=sys.stderr)
        return 1
    state = "published" if args.publish else "submitted for review"
    print(f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}; changes {state}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from tools.kb.backup import backup

    use_stage(args.stage, args.endpoint)
    count = backup(table(), Path(args.out))
    print(f"{count} item(s) written to {args.out}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from tools.kb.backup import RestoreRefused, restore

    use_stage(args.stage, args.endpoint)
    try:
        count = restore(table(), Path(args.file))
    except RestoreRefused as refused:
        print(f"kb restore: {refused}; nothing was written", file=sys.stderr)
        return 1
    print(f"{count} item(s) restored from {args.file}")
    return 0


def _package(args: argparse.Namespace) -> int:
    from tools.kb.package import build_package, unzipped_size

    deployment = build_package(args.stage, Path(args.out))
    print(f"{deployment}: {unzipped_size(deployment) / 2**20:.0f} MB unzipped (Lambda allows 250 MB)")
    return 0


def _report(args: argparse.Namespace) -> int:
    from chalicelib import wiring
    from chalicelib.clock import china_today
    from chalicelib.errors import InvalidInput
    from tools.kb.report import make_report, write_html, write_xlsx

    use_stage(args.stage, args.endpoint)
    try:
        day = dt.date.fromisoformat(args.date) if args.date else china_today()
    except ValueError:
        print(f"kb report: --date {args.date}: not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    try:
        report = make_report(wiring.reports(), args.period, day, args.district)
    except InvalidInput as error:
        print(f"kb report: --district: {error.message}", file=sys.stderr)
        return 2
    out = Path(args.out or f"report-{args.period}-{report['start']}.{args.format}")
    (write_xlsx if args.format == "xlsx" else write_html)(report, out)
    print(f"{report['period']} {report['start']} – {report['end']}: {report['searches']} search(es); written to {out}")
    return 0


def _demo_traffic(args: argparse.Namespace) -> int:
    """Into the table of a running `make run` (--endpoint), or else into the local data file, never elsewhere."""
    import os

    from tools.kb.demo_traffic import NotLocal, require_local

    endpoint = args.endpoint or os.environ.get("DYNAMODB_ENDPOINT")
    if endpoint:
        try:
            require_local(endpoint)
        except NotLocal as refused:
            print(f"kb demo-traffic: {refused}; nothing was written", file=sys.stderr)
            return 1
        use_stage(args.stage, endpoint)
        return _write_demo_traffic(args.days, args.per_day)
    from chalicelib import wiring
    from chalicelib.store.table import ensure_table
    from tools.kb import local
    from tools.kb.backup import restore
    from tools.kb.serve import DataFile

    loaded = clean_knowledge(args.knowledge)
    data = Path(args.data or PROJECT_DIR / ".zhida" / f"local-{args.stage}.jsonl")
    with local.embedded_dynamodb(args.stage):
        wiring.reset()
        table = ensure_table(wiring.dynamodb(), wiring.settings().table_name)
        if data.exists():
            print(f"restored {restore(table, data, write=local.put_items)} item(s) from {data}")
        from tools.kb.sync import sync_knowledge

        sync_knowledge(wiring.store(), loaded, dt.datetime.now(dt.UTC), publish=True)
        with local.writing_directly(wiring.store().table):  # the embedded table in this process: no HTTP
            status = _write_demo_traffic(args.days, args.per_day)
        saved = DataFile(table, data)
        saved.save()
        print(f"{len(saved)} item(s) saved to {data}; `make run` shows them")
        wiring.reset()
    return status


def _write_demo_traffic(days: int, per_day: int | None) -> int:
    import time

    from chalicelib import wiring
    from tools.kb.demo_traffic import fill, summarise

    now = dt.datetime.now(dt.UTC)
    scale = {"per_day": per_day} if per_day else {}
    started = time.perf_counter()
    made = fill(wiring.store().desk_log, wiring.knowledge(), wiring.article_facts(), days, now, **scale)
    written = time.perf_counter()
    summarised = summarise(wiring.summariser(), made, now)
    print(
        ", ".join(f"{count} {what}" for what, count in made.written.items())
        + f" in {written - started:.1f} s; {summarised} day(s) summarised in {time.perf_counter() - written:.1f} s"
    )
    return 0


def add_operations(commands: argparse._SubParsersAction) -> None:
    """Each operation, with its arguments, as a subcommand."""
    serve = commands.add_parser("serve", help="run the service locally on an embedded DynamoDB")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument(
        "--idp-port", type=int, help="the local identity provider's port (default: --port + 1; 0: any free one)"
    )
    serve.add_argument("--stage", default="dev")
    serve.add_argument("--knowledge", default=str(DEFAULT_KNOWLEDGE))
    serve.add_argument("--data", help="where local data is kept between runs (default .zhida/local-STAGE.jsonl)")
    serve.add_argument("--fresh", action="store_true", help="start from knowledge/ only; keep no data")
    serve.set_defaults(run=_serve)

    lint = commands.add_parser("lint", help="check articles and lexicon; prints file:line: message")
    lint.add_argument("paths", nargs="+")
    lint.set_defaults(run=_lint)

    sync = commands.add_parser("sync", help="upsert a knowledge folder into a stage's table")
    sync.add_argument("path")
    table_options(sync, changes=True)
    sync.add_argument("--publish", action="store_true", help="publish changes at once (admins); else submit them")
    sync.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="processes that embed new and changed articles (all cores)",
    )
    sync.set_defaults(run=_sync)

    export = commands.add_parser("export", help="the published knowledge base as a folder, or as an .xlsx sheet")
    export.add_argument("target", help="a folder (markdown) or a file (xlsx)")
    export.add_argument("--format", choices=["markdown", "xlsx"], default="markdown")
    table_options(export)
    export.set_defaults(run=_export)

    importing = commands.add_parser("import", help="FAQ pairs (.jsonl or .xlsx) as articles; every row checked first")
    importing.add_argument("file")
    importing.add_argument("--publish", action="store_true", help="publish at once (admins); else submit for review")
    importing.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="processes that embed new and changed articles (all cores)",
    )
    table_options(importing, changes=True)
    importing.set_defaults(run=_import)

    backing_up = commands.add_parser("backup", help="every item of the table to a JSON-lines file")
    backing_up.add_argument("--out", required=True)
    table_options(backing_up)
    backing_up.set_defaults(run=_backup)

    restoring = commands.add_parser("restore", help="a backup file into an empty table")
    restoring.add_argument("file")
    table_options(restoring)
    restoring.set_defaults(run=_restore)

    packaging = commands.add_parser("package", help="the Lambda package and template (chalice package, slimmed)")
    packaging.add_argument("out", nargs="?", default="out")
    packaging.add_argument("--stage", default="dev")
    packaging.set_defaults(run=_package)

    reporting = commands.add_parser("report", help="a day's, week's or month's report as .xlsx or a printable page")
    reporting.add_argument("--period", choices=["day", "week", "month"], default="week")
    reporting.add_argument("--date", help="a Beijing-time date in the period, YYYY-MM-DD (default today)")
    reporting.add_argument("--format", choices=["xlsx", "html"], default="xlsx")
    reporting.add_argument("--out", help="the file to write (default report-PERIOD-START.FORMAT)")
    reporting.add_argument("--district", help="only the searches of one district's callers (its code, name or alias)")
    table_options(reporting)
    reporting.set_defaults(run=_report)

    demo = commands.add_parser("demo-traffic", help="weeks of made-up searches, votes and flags in the LOCAL table")
    demo.add_argument("--days", type=int, default=35)
    demo.add_argument(
        "--per-day", type=_positive, help="settled searches on a weekday (default 80; a city centre: 20000)"
    )
    demo.add_argument("--stage", default="dev")
    demo.add_argument("--endpoint", help="a running `make run`'s embedded DynamoDB (127.0.0.1 only)")
    demo.add_argument("--data", help="without --endpoint: the local data file (default .zhida/local-STAGE.jsonl)")
    demo.add_argument("--knowledge", default=str(DEFAULT_KNOWLEDGE))
    demo.set_defaults(run=_demo_traffic)

    add_keys(commands)


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return number
