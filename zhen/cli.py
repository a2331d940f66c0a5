"""The ``zhen`` command: a thin layer over the library.

Commands parse options (built from :mod:`zhen.settings`), call the library,
and print. Library errors become ``click.ClickException`` with their hint;
query and usage errors exit 2, a missing or unusable index exits 1.
"""

import json
import os
import sys
import time
from contextlib import closing, contextmanager

import click

from . import settings
from .cli_output import print_document, print_problems, print_results, print_stats
from .corpus import CorpusReader
from .engines import index_stats, merge_index, update_index
from .engines import open_searcher as open_index_searcher
from .errors import CorpusError, IndexInterruptedError, IndexMissingError, QueryError, ZhenError
from .search import SORTS


class ZhenClickError(click.ClickException):
    """A library error shown as 'Error: message' plus its hint."""

    def __init__(self, error, exit_code=1):
        message = error.message + (f"\nHint: {error.hint}" if error.hint else "")
        super().__init__(message)
        self.exit_code = exit_code


def fail(error):
    if isinstance(error, QueryError):
        code = 2
    elif isinstance(error, IndexInterruptedError):
        code = 130  # as a shell reports a process stopped by Ctrl-C
    else:
        code = 1
    raise ZhenClickError(error, code) from None


@contextmanager
def reported():
    """Turn library errors inside the block into CLI errors."""
    try:
        yield
    except ZhenError as error:
        fail(error)


def open_searcher(index):
    """A searcher on the index (a folder or a cluster URL) the options or
    the environment name."""
    return open_index_searcher(
        settings.get("index", index),
        settings.get("userdict"),
        settings.field_weights(),
        settings.get("weight_recall"),
    )


def echo_json(data):
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def setting_option(name, *flags, **kwargs):
    """A click option whose default and help come from the setting."""
    item = settings.SETTINGS[name]
    flags = flags or ("--" + name.replace("_", "-"),)
    kwargs.setdefault("help", item.help)
    kwargs.setdefault("type", item.type)
    shown = "see help" if callable(item.default) else str(item.default)
    return click.option(
        *flags, default=None, show_default=shown, envvar=item.env, show_envvar=True, **kwargs
    )


index_option = setting_option("index", "--index", metavar="DIR")
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object instead of text."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zhen")
def cli():
    """zhen: bilingual Chinese-English full-text search.

    \b
    Example:
        zhen index corpus/ && zhen search '商务部 tariff'
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@json_option
def check(paths, as_json):
    """Validate record files without indexing them.

    Reports every problem as FILE:LINE: SEVERITY: MESSAGE; exits 1 when any
    record cannot be read.

    \b
    Example:
        zhen check corpus/
    """
    reader = CorpusReader(paths, settings.get("max_field_chars"))
    with reported():
        count = len({doc.id for doc in reader.documents()})
    found = {
        severity: [p for p in reader.problems if p.severity == severity]
        for severity in ("error", "warning", "note")
    }
    errors, warnings, notes = found["error"], found["warning"], found["note"]
    if as_json:
        echo_json(
            {
                "documents": count,
                "errors": [p.to_dict() for p in errors],
                "warnings": [p.to_dict() for p in warnings],
                "notes": [p.to_dict() for p in notes],
            }
        )
    else:
        print_problems(reader.problems)
        click.echo(
            f"{count} documents read, {_plural(len(errors), 'error')}, "
            f"{_plural(len(warnings), 'warning')}"
            + (f", {_plural(len(notes), 'note')}" if notes else "")
        )
    sys.exit(1 if errors else 0)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@index_option
@click.option(
    "--rebuild",
    is_flag=True,
    help="Build a fresh index beside the live one and switch to it "
    "when done; search keeps working meanwhile.",
)
@click.option("--prune", is_flag=True, help="Remove documents whose files are gone.")
@click.option(
    "--wait", is_flag=True, help="Wait for another running 'zhen index' instead of failing."
)
@setting_option("jobs", "--jobs", "-j")
@setting_option("commit_every")
@setting_option("userdict", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--shards",
    type=click.IntRange(1),
    default=None,
    help="Primary shards of a new cluster index (default 1).",
)
@click.option(
    "--replicas",
    type=click.IntRange(0),
    default=None,
    help="Replicas of each shard of a new cluster index (default 0).",
)
@json_option
def index(
    paths, index, rebuild, prune, wait, jobs, commit_every, userdict, shards, replicas, as_json
):
    """Add new, changed and (with --prune) removed documents to the index.

    Unchanged documents are skipped without being analysed, so running it
    again after a new batch arrives only does the new work.

    The index is a folder (the embedded engine) or a cluster index URL
    (OpenSearch or Elasticsearch): --index http://HOST:9200/NAME.

    \b
    Examples:
        zhen index corpus/
        zhen index --rebuild --index /srv/zhen corpus/
        zhen index --index http://127.0.0.1:9200/laws --shards 3 --replicas 1 corpus/
    """
    with ProgressBar(as_json, paths) as tick, reported():
        report = update_index(
            paths,
            index=settings.get("index", index),
            rebuild=rebuild,
            prune=prune,
            jobs=settings.get("jobs", jobs),
            commit_every=settings.get("commit_every", commit_every),
            userdict=settings.get("userdict", userdict),
            wait=wait,
            progress=tick,
            max_field_chars=settings.get("max_field_chars"),
            shards=shards,
            replicas=replicas,
        )
    if as_json:
        echo_json(report.to_dict())
        sys.exit(1 if report.failed else 0)
    print_problems(report.problems)
    click.echo(
        f"{report.added} added, {report.updated} updated, {report.unchanged} "
        f"unchanged, {report.removed} removed, {report.failed} failed; "
        f"{report.documents} documents in {report.index} ({report.seconds:.1f} s)"
    )
    if report.missing:
        click.echo(
            f"{report.missing} indexed documents have no file any more; --prune removes them"
        )
    if report.failed:
        click.echo(
            f"{_plural(report.failed, 'record')} could not be indexed "
            "(see the errors above); the rest is indexed",
            err=True,
        )
    sys.exit(1 if report.failed else 0)


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, required=True)
@index_option
@setting_option("limit", "--limit", "-n")
@click.option(
    "--page", "-p", default=1, show_default=True, type=int, help="Page of results to show."
)
@click.option(
    "--sort",
    type=click.Choice(SORTS),
    default="relevance",
    show_default=True,
    help="Order of the hits.",
)
@json_option
def search(query, index, limit, page, sort, as_json):
    """Search the index.

    \b
    Query language:
        商务部 tariff          all words
        "语言处理"              a phrase (either language)
        WTO OR 世贸            either word;  -word, NOT word: exclude
        title: zh: en:         search only titles, Chinese or English fields
        site:mofcom.gov.cn  batch:batch-003  date:2023  date:2020-01..2023-06

    \b
    Examples:
        zhen search '中华人民共和国 date:2023'
        zhen search --json --limit 5 '"Ministry of Commerce"'
        zhen search 条例 -草案        (a word starting with - excludes it)
    """
    query = " ".join(query)  # words may come unquoted, '-draft' included
    with reported(), closing(open_searcher(index)) as searcher:
        result = searcher.search(query, page=page, limit=settings.get("limit", limit), sort=sort)
    if as_json:
        echo_json(result.to_dict())
    else:
        print_results(result)


@cli.command()
@click.argument("doc_id")
@index_option
@json_option
def show(doc_id, index, as_json):
    """Show one whole document, both languages, every field.

    \b
    Example:
        zhen show 000_3fddcb5e1127a706
    """
    with reported(), closing(open_searcher(index)) as searcher:
        record = searcher.document(doc_id)
    if as_json:
        echo_json(record)
    else:
        print_document(record)


@cli.command()
@index_option
@json_option
def stats(index, as_json):
    """Document counts per batch, last update, size and settings.

    \b
    Example:
        zhen stats --json
    """
    with reported():
        data = index_stats(settings.get("index", index))
    if as_json:
        echo_json(data)
    else:
        print_stats(data)


@cli.command()
@index_option
@click.option("--wait", is_flag=True, help="Wait for a running 'zhen index' instead of failing.")
@json_option
def merge(index, wait, as_json):
    """Merge the index into fewer segments, so questions read fewer.

    Worth it when a collection stops growing: a question looks up each of
    its terms once per segment. Search keeps working meanwhile.

    \b
    Example:
        zhen merge --index /srv/zhen
    """
    with reported():
        report = merge_index(settings.get("index", index), wait)
    if as_json:
        echo_json(report.to_dict())
        return
    click.echo(
        f"{report.segments_before} -> {report.segments_after} segments; "
        f"{report.documents} documents in {report.index} ({report.seconds:.1f} s)"
    )


@cli.command("eval")
@click.argument("queries", type=click.Path(dir_okay=False))
@click.argument("qrels", type=click.Path(dir_okay=False))
@index_option
@click.option(
    "--limit",
    "-n",
    default=100,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Hits ranked per query.",
)
@click.option(
    "--run-out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the run here in TREC format (qid Q0 docid rank score zhen).",
)
@json_option
def eval_command(queries, qrels, index, limit, run_out, as_json):
    """Measure relevance on judged queries: nDCG@10, RR@10 (MRR@10), R@100.

    QUERIES has one 'qid<TAB>query' a line; QRELS TREC judgements
    'qid 0 docid grade' (graded allowed). Each query runs through the same
    search as 'zhen search'; a query with no result scores 0. Bad input
    files exit 2 with FILE:LINE.

    \b
    Example:
        zhen eval queries.tsv qrels --json --run-out run.txt
    """
    from .errors import EvaluationInputError
    from .evaluate import evaluate_files, write_run

    with reported(), closing(open_searcher(index)) as searcher:
        try:
            result = evaluate_files(searcher, queries, qrels, limit=limit)
            if run_out:
                write_run(result.run, run_out)
        except EvaluationInputError as error:  # a usage error, as in click
            raise ZhenClickError(error, 2) from None
    if as_json:
        echo_json(result.to_dict())
        return
    click.echo(f"{result.queries} queries, {result.judged} judged")
    for name, value in result.measures.items():
        click.echo(f"{name:8s} {value:.4f}")
    click.echo(f"no result: {result.no_result}")
    ms = result.ms
    click.echo(f"ms per query: mean {ms['mean']}, p50 {ms['p50']}, p95 {ms['p95']}")


@cli.command()
@index_option
@setting_option("host")
@setting_option("port")
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=None,
    show_default="4",
    help="Threads per worker process.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    show_default="one per core, at most 8",
    help="Worker processes (searching is CPU work: one process uses one core).",
)
@click.option(
    "--corpus",
    "corpus_paths",
    multiple=True,
    type=click.Path(),
    help="Index these paths first if there is no index yet (default: the bundled sample corpus).",
)
def serve(index, host, port, threads, workers, corpus_paths):
    """Serve the search web app (indexing the sample corpus if needed).

    The port is taken before anything else, so a busy one fails at once
    (exit 1) with a hint to pick another with --port.

    \b
    Example:
        zhen serve --port 8000 --workers 2 --threads 4
    """
    from .web import create_app
    from .web.server import ServeError, bind, default_threads, default_workers, run

    index = settings.get("index", index)
    host, port = settings.get("host", host), settings.get("port", port)
    threads, workers = threads or default_threads(), workers or default_workers()
    try:
        sock = bind(host, port)
    except ServeError as error:
        raise click.ClickException(str(error)) from None
    try:
        with reported(), closing(open_searcher(index)) as searcher:
            searcher.version()  # raises when there is no index yet
    except (IndexMissingError, ZhenClickError):
        paths = corpus_paths or [str(settings.SAMPLE_CORPUS)]
        click.echo(f"No index at {index}; indexing {', '.join(paths)} ...")
        with reported():
            update_index(paths, index=index)
    click.echo(
        f"Serving zhen on http://{host}:{sock.getsockname()[1]}/ with "
        f"{workers} worker(s) x {threads} threads (Ctrl-C stops)"
    )
    run(create_app({"INDEX": index}), sock, threads, workers)


class ProgressBar:
    """A progress bar (documents/s, ETA) on a terminal, nothing otherwise."""

    def __init__(self, quiet, paths):
        self.bar = None
        self.quiet = quiet
        self.paths = paths

    def __enter__(self):
        if self.quiet or not sys.stderr.isatty():
            return None
        try:
            total = len(CorpusReader(self.paths).sources())
        except CorpusError:
            return None  # update_index reports the bad path
        started = time.monotonic()

        def rate(_):
            done = self.bar.pos if self.bar else 0
            return f"{done / max(time.monotonic() - started, 1e-6):.0f} docs/s"

        self.bar = click.progressbar(
            length=total,
            label="indexing",
            file=sys.stderr,
            show_pos=True,
            show_eta=True,
            item_show_func=rate,
        )
        self.bar.__enter__()
        return lambda: self.bar.update(1)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def main():
    """The ``zhen`` command. An error zhen did not foresee (a bug) is one
    clear line and exit 1, not a traceback; ZHEN_DEBUG=1 shows the traceback."""
    try:
        cli(prog_name="zhen")
    except Exception as exc:  # every foreseen error was handled by click
        if os.environ.get("ZHEN_DEBUG"):
            raise
        click.echo(
            f"Error: internal error: {type(exc).__name__}: {exc}\n"
            "Hint: this is a bug in zhen; please report it with the command you ran "
            "(ZHEN_DEBUG=1 shows the traceback)",
            err=True,
        )
        sys.exit(1)
