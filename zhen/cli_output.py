"""How the CLI shows results, documents and problems on a terminal.

Snippets arrive as :class:`~zhen.highlight.Fragment` spans; here the matches
become bold colour. click drops the colour when output is not a terminal.
"""

import click

from .records import format_record


def marked(fragment):
    """Terminal text of a fragment: matches bold and coloured, an ellipsis
    where the field goes on."""
    if fragment is None:
        return ""
    text, out, at = fragment.text, [], 0
    for start, end in fragment.marks:
        out.append(text[at:start])
        out.append(click.style(text[start:end], fg="red", bold=True))
        at = end
    out.append(text[at:])
    return (
        ("…" if fragment.clipped_start else "")
        + "".join(out)
        + ("…" if fragment.clipped_end else "")
    )


def print_problems(problems):
    for problem in problems:
        click.echo(str(problem), err=True)


def print_results(result):
    if result.message:
        click.echo(result.message)
    if result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}")
    if result.total == 0 or not result.hits:
        return
    first = (result.page - 1) * result.limit + 1
    last = first + len(result.hits) - 1
    total = f"{result.total:,}" + ("+" if result.total_relation == "gte" else "")
    click.echo(
        f"{total} results ({first:,}-{last:,} shown, page "
        f"{result.page} of {result.pages}, {result.took_ms:.0f} ms)"
    )
    for number, hit in enumerate(result.hits, start=first):
        _print_hit(number, hit)


def _print_hit(number, hit):
    h = hit.fragments
    click.echo("")
    title = marked(h["title"]) if "title" in h else (hit.title or hit.id)
    click.echo(f"{number}. " + title)
    if "title_en" in h:
        click.echo("   " + marked(h["title_en"]))
    facts = [x for x in (hit.date, hit.site, hit.url) if x]
    click.echo("   " + " · ".join(facts))
    for label, name in (("zh", "body"), ("en", "body_en"), ("en", "summary_en")):
        if name in h and (name in hit.matched or name != "summary_en"):
            click.echo(f"   {label}: " + marked(h[name]))
    click.echo(f"   id: {hit.id}")


def print_document(record):
    click.echo(f"id: {record['id']}")
    click.echo(f"batch: {record['batch']}")
    click.echo(format_record(record), nl=False)
    for key in ("url", "archive_url", "site", "captured", "resulting_text_from"):
        if record.get(key):
            click.echo(f"{key}: {record[key]}")


def print_stats(data):
    click.echo(f"index: {data['index']} ({data['generation']})")
    click.echo(f"documents: {data['documents']}")
    for batch, count in data["batches"].items():
        click.echo(f"  {batch}: {count}")
    click.echo(f"updated: {data['updated'] or data['created']}")
    click.echo(f"size: {data['size_bytes'] / 1e6:.1f} MB in {data['segments']} segments")
    for key, value in data["settings"].items():
        click.echo(f"{key}: {value}")
    for key, value in data.get("cluster", {}).items():  # a cluster index
        click.echo(f"{key}: {value}")
