"""The lab tools: search quality (eval, calibrate, ablation), speed at scale (bench), faults (chaos)."""

import argparse
import json
import sys
from contextlib import ExitStack
from pathlib import Path

from tools.kb.cli import DEFAULT_KNOWLEDGE, OWN_QUERIES, clean_knowledge
from tools.kb.stage import PROJECT_DIR


def _eval(args: argparse.Namespace) -> int:
    from chalicelib.people.access import Reader
    from tools.kb.evaluate import corpus_search, evaluate, format_table, knowledge_search, read_queries

    queries = read_queries(Path(args.queries))
    with ExitStack() as stack:
        if args.corpus:
            report = evaluate(queries, corpus_search(Path(args.corpus), Path(args.knowledge)))
        else:
            reader = Reader.AGENT if args.audience == "agent" else Reader.CITIZEN
            search = knowledge_search(Path(args.knowledge), reader, stack)
            report = evaluate(queries, search, search)
    print(json.dumps(report, ensure_ascii=False) if args.format == "json" else format_table(report))
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from chalicelib.knowledge.indexing import SearchEngine
    from tools.kb.calibrate import examples, fit, lexical_examples
    from tools.kb.evaluate import read_queries

    loaded = clean_knowledge(args.knowledge)
    engine = SearchEngine(loaded.lexicon)
    index = engine.build(engine.index_article(a) for a in loaded.articles)
    queries = [q for path in args.queries for q in read_queries(Path(path))]
    for name, rows in (("HYBRID", examples(index, queries)), ("LEXICAL", lexical_examples(index, queries))):
        calibration = fit(rows)
        print(f"{name}_CONFIDENCE = Confidence({calibration.weights})")
        abstain, false_abstain = calibration.abstain_accuracy, calibration.false_abstain_rate
        print(f"# on these queries: abstain {abstain:.3f}, false abstain {false_abstain:.3f}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from tools.kb.bench import bench_publish, bench_quality, bench_speed, documents_for, format_table
    from tools.kb.evaluate import read_queries

    if args.reports:
        from tools.kb.bench_reports import bench_reports, format_reports

        data = Path(args.data or PROJECT_DIR / ".zhida" / f"local-{args.stage}.jsonl")
        if not data.exists():
            print(f"kb bench --reports: no {data}; fill one with `kb demo-traffic` first", file=sys.stderr)
            return 1
        figures = bench_reports(data, args.stage)
        print(json.dumps(figures, ensure_ascii=False) if args.format == "json" else format_reports(figures))
        return 0
    knowledge = clean_knowledge(args.knowledge)
    own_queries = read_queries(Path(args.queries))
    report = bench_speed(knowledge, args.articles, own_queries, args.searches) if args.articles else {}
    if args.publishes:
        report.update(bench_publish(knowledge, args.publishes))
    if args.peers:
        corpus_queries = read_queries(Path(args.corpus_queries)) if args.corpus_queries else own_queries
        report["quality_corpus"] = args.corpus or args.knowledge
        report["quality_queries"] = len(corpus_queries)
        documents = documents_for(knowledge, args.corpus)
        report["peers"] = bench_quality(knowledge, documents, corpus_queries, True, external=bool(args.corpus))
    print(json.dumps(report, ensure_ascii=False) if args.format == "json" else format_table(report))
    return 0


def _ablation(args: argparse.Namespace) -> int:
    from tools.kb.ablation import format_markdown, run, test_sets

    knowledge = clean_knowledge(args.knowledge)
    sets = test_sets(knowledge.articles, Path(args.eval_dir), Path(args.queries))
    rows = run(knowledge.lexicon, sets, progress=lambda line: print(line, file=sys.stderr))
    print(json.dumps(rows, ensure_ascii=False) if args.format == "json" else format_markdown(rows, sets))
    return 0


def _chaos(args: argparse.Namespace) -> int:
    from tools.kb.chaos import run_chaos, sample_knowledge

    with sample_knowledge(Path(args.knowledge), args.articles) as folder:
        counts = run_chaos(folder, args.requests, args.seed, args.fault_rate, args.persistent)
    print(json.dumps(counts))
    failures = {name: count for name, count in counts.items() if name not in ("requests", "faults_injected")}
    return 1 if any(failures.values()) else 0


def add_lab_tools(commands: argparse._SubParsersAction) -> None:
    """Each lab tool, with its arguments, as a subcommand."""
    evaluation = commands.add_parser("eval", help="measure search quality on a query set")
    evaluation.add_argument("--queries", required=True)
    evaluation.add_argument("--corpus", help="an external FAQ JSONL (id, question, answer) instead of knowledge/")
    evaluation.add_argument("--audience", choices=["agent", "public"], default="agent")
    evaluation.add_argument("--format", choices=["json", "table"], default="table")
    evaluation.add_argument("--knowledge", default=str(DEFAULT_KNOWLEDGE))
    evaluation.set_defaults(run=_eval)

    calibrate = commands.add_parser("calibrate", help="fit the confidence weights behind `answered`")
    calibrate.add_argument("--queries", nargs="+", default=[str(p) for p in OWN_QUERIES])
    calibrate.add_argument("--knowledge", default=str(DEFAULT_KNOWLEDGE))
    calibrate.set_defaults(run=_calibrate)

    bench = commands.add_parser("bench", help="speed, cold start and memory at N articles; quality beside peers")
    bench.add_argument("--articles", type=int, default=10_000, help="0 skips the speed part (quality only)")
    bench.add_argument("--searches", type=int, default=2000, help="repeated searches of the mix, timed one by one")
    bench.add_argument("--publishes", type=int, default=0, help="also time N publishes until another instance has them")
    bench.add_argument("--peers", action="store_true", help="also run the peer engines (requirements-bench.txt)")
    bench.add_argument("--corpus", help="quality on an external FAQ JSONL instead of knowledge/")
    bench.add_argument("--corpus-queries", help="the queries for --corpus (default: --queries)")
    bench.add_argument("--queries", default=str(PROJECT_DIR / "tools" / "eval" / "queries-own.jsonl"))
    bench.add_argument(
        "--reports", action="store_true", help="instead: time each report on a local data file (kb demo-traffic)"
    )
    bench.add_argument("--data", help="for --reports: the data file (default .zhida/local-STAGE.jsonl)")
    bench.add_argument("--stage", default="dev", help="for --reports: the stage whose table is restored")
    bench.add_argument("--format", choices=["json", "table"], default="table")
    bench.add_argument("--knowledge", default=str(DEFAULT_KNOWLEDGE))
    bench.set_defaults(run=_bench)

    ablation = commands.add_parser("ablation", help="search quality with each step switched off in turn")
    ablation.add_argument("--eval-dir", default=str(PROJECT_DIR.parent / "shared" / "eval"))
    ablation.add_argument("--queries", default=str(PROJECT_DIR / "tools" / "eval" / "queries-own.jsonl"))
    ablation.add_argument("--format", choices=["json", "markdown"], default="markdown")
    ablation.add_argument("--knowledge", default=str(DEFAULT_KNOWLEDGE))
    ablation.set_defaults(run=_ablation)

    chaos = commands.add_parser("chaos", help="the service under injected DynamoDB faults; prints what went wrong")
    chaos.add_argument("--requests", type=int, default=400)
    chaos.add_argument("--articles", type=int, default=12, help="how many of the knowledge folder's articles to use")
    chaos.add_argument("--fault-rate", type=float, default=0.1, help="share of DynamoDB requests that fail")
    chaos.add_argument("--persistent", type=float, default=0.3, help="share of faults that outlast botocore's retries")
    chaos.add_argument("--seed", type=int, default=12345)
    chaos.add_argument("--knowledge", default=str(DEFAULT_KNOWLEDGE))
    chaos.set_defaults(run=_chaos)
