"""The ``zhen`` command: a thin layer over the library.

Commands parse options (built from :mod:`zhen.settings`), call the library,
and print. Library errors become ``click.ClickException`` with their hint;
query and usage errors exit 2, a missing or unusable index exits 1.
"""

import json
import sys
import time
from contextlib import closing, contextmanager

import click

from . import settings
from .cli_output import print_document, print_problems, print_results, print_stats
from .corpus import CorpusReader
from .errors import (CorpusError, IndexMissingError, QueryError, ZhenError)
from .indexer import update_index
from .search import SORTS, Searcher
from .stats import index_stats


class ZhenClickError(click.ClickException):
    """A library error shown as 'Error: message' plus its hint."""

    def __init__(self, error, exit_code=1):
        message = error.message + (f"\nHint: {error.hint}" if error.hint else "")
        super().__init__(message)
        self.exit_code = exit_code


def fail(error):
    code = 2 if isinstance(error, QueryError) else 1
    raise ZhenClickError(error, code) from None


@contextmanager
def reported():
    """Turn library errors inside the block into CLI errors."""
    try:
        yield
    except ZhenError as error:
        fail(error)


def echo_json(data):
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def setting_option(name, *flags, **kwargs):
    """A click option whose default and help come from the setting."""
    item = settings.SETTINGS[name]
    flags = flags or ("--" + name.replace("_", "-"),)
    kwargs.setdefault("help", item.help)
    kwargs.setdefault("type", item.type)
    shown = "see help" if callable(item.default) else str(item.default)
    return click.option(*flags, default=None, show_default=shown,
                        envvar=item.env, show_envvar=True, **kwargs)


index_option = setting_option("index", "--index", metavar="DIR")
json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print one JSON object instead of text.")


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
    reader = CorpusReader(paths)
    with reported():
        count = len({doc.id for doc in reader.documents()})
    errors = [p for p in reader.problems if p.severity == "error"]
    warnings = [p for p in reader.problems if p.severity != "error"]
    if as_json:
        echo_json({"documents": count,
                   "errors": [p.to_dict() for p in errors],
                   "warnings": [p.to_dict() for p in warnings]})
    else:
        print_problems(reader.problems)
        click.echo(f"{count} documents read, {_plural(len(errors), 'error')}, "
                   f"{_plural(len(warnings), 'warning')}")
    sys.exit(1 if errors else 0)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@index_option
@click.option("--rebuild", is_flag=True,
              help="Build a fresh index beside the live one and switch to it "
                   "when done; search keeps working meanwhile.")
@click.option("--prune", is_flag=True,
              help="Remove documents whose files are gone.")
@click.option("--wait", is_flag=True,
              help="Wait for another running 'zhen index' instead of failing.")
@setting_option("jobs", "--jobs", "-j")
@setting_option("commit_every")
@setting_option("userdict", type=click.Path(exists=True, dir_okay=False))
@json_option
def index(paths, index, rebuild, prune, wait, jobs, commit_every, userdict,
          as_json):
    """Add new, changed and (with --prune) removed documents to the index.

    Unchanged documents are skipped without being analysed, so running it
    again after a new batch arrives only does the new work.

    \b
    Examples:
        zhen index corpus/
        zhen index --rebuild --index /srv/zhen corpus/
    """
    with _progress(as_json, paths) as tick, reported():
        report = update_index(paths, index=index, rebuild=rebuild, prune=prune,
                              jobs=jobs, commit_every=commit_every,
                              userdict=userdict, wait=wait, progress=tick)
    if as_json:
        echo_json(report.to_dict())
        return
    print_problems(report.problems)
    click.echo(
        f"{report.added} added, {report.updated} updated, {report.unchanged} "
        f"unchanged, {report.removed} removed, {report.failed} failed; "
        f"{report.documents} documents in {report.index} ({report.seconds:.1f} s)")
    if report.missing:
        click.echo(f"{report.missing} indexed documents have no file any more; "
                   "--prune removes them")


@cli.command()
@click.argument("query")
@index_option
@setting_option("limit", "--limit", "-n")
@click.option("--page", "-p", default=1, show_default=True, type=int,
              help="Page of results to show.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance",
              show_default=True, help="Order of the hits.")
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
    """
    with reported(), closing(Searcher(index)) as searcher:
        result = searcher.search(query, page=page, limit=limit, sort=sort)
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
    with reported(), closing(Searcher(index)) as searcher:
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
        data = index_stats(index)
    if as_json:
        echo_json(data)
    else:
        print_stats(data)


@cli.command()
@index_option
@setting_option("host")
@setting_option("port")
@click.option("--corpus", "corpus_paths", multiple=True, type=click.Path(),
              help="Index these paths first if there is no index yet "
                   "(default: the bundled sample corpus).")
def serve(index, host, port, corpus_paths):
    """Serve the search web app (indexing the sample corpus if needed).

    \b
    Example:
        zhen serve --port 8000
    """
    from waitress import serve as waitress_serve

    from .web import create_app

    index = settings.get("index", index)
    try:
        Searcher(index).store.require_current()
    except IndexMissingError:
        paths = corpus_paths or [str(settings.SAMPLE_CORPUS)]
        click.echo(f"No index at {index}; indexing {', '.join(paths)} ...")
        with reported():
            update_index(paths, index=index)
    host, port = settings.get("host", host), settings.get("port", port)
    click.echo(f"Serving zhen on http://{host}:{port}/ (Ctrl-C stops)")
    waitress_serve(create_app({"INDEX": index}), host=host, port=port)


class _progress:
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

        self.bar = click.progressbar(length=total, label="indexing",
                                     file=sys.stderr, show_pos=True,
                                     show_eta=True, item_show_func=rate)
        self.bar.__enter__()
        return lambda: self.bar.update(1)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def main():
    cli(prog_name="zhen")
