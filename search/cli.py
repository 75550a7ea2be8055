"""`arabic-search index|stats|export|snapshot|follow|serve|query|suggest|eval`: thin commands
over the package's functions."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import click

from .analysis import STEMMERS
from .documents import Article, Rejected, expected_documents, read_paths
from .errors import SearchError
from .settings import default
from .store import DEFAULT_PROCS, StrictFailure, index_articles, index_stats

index_option = click.option(
    "--index",
    "index_dir",
    default=lambda: default("INDEX_DIR"),
    show_default="$ARABIC_SEARCH_INDEX_DIR or index",
    type=click.Path(file_okay=False),
    help="Folder of the index.",
)
synonyms_option = click.option(
    "--synonyms",
    "synonyms_file",
    default=lambda: default("SYNONYMS") or None,
    show_default="$ARABIC_SEARCH_SYNONYMS or none",
    type=click.Path(dir_okay=False),
    help="A synonyms file (Solr's format) applied at query time.",
)
stemmer_option = click.option("--stemmer", type=click.Choice(sorted(STEMMERS)), default=None)


@click.group()
@click.version_option(package_name="arabic-search")
def main() -> None:
    """Arabic full-text search: build an index, query it, serve it over HTTP."""


@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@index_option
@click.option("--rebuild", is_flag=True, help="Build a fresh index and switch to it at the end.")
@click.option("--strict", is_flag=True, help="Stop at the first bad input; change nothing.")
@stemmer_option
@click.option(
    "--procs",
    type=click.IntRange(1, 16),
    default=DEFAULT_PROCS,
    show_default="the number of cores, at most 8",
    help="Worker processes for a fresh build of 2,000 articles or more.",
)
@click.option("--quiet", is_flag=True, help="No progress bar and no per-item warnings.")
def index_command(paths, index_dir, rebuild, strict, stemmer, procs, quiet) -> None:
    """Index .txt articles, .jsonl and .jsonl.gz files, or folders of them (upsert by id)."""
    bar = None

    def on_item(item: Article | Rejected) -> None:
        if isinstance(item, Rejected) and not quiet and not strict:
            where = f"{item.path}:{item.line}" if item.line else item.path
            click.echo(f"skipped {where}: {item.reason}", err=True)
        if bar is not None:
            bar.update(1)

    items = read_paths(paths)
    if not quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(
            desc="reading",
            total=expected_documents(paths),
            unit=" docs",
            mininterval=0.5,
            delay=2.0,
            file=sys.stderr,
        )
        items = _then_writing(items, bar)
    try:
        report = index_articles(
            index_dir,
            items,
            rebuild=rebuild,
            strict=strict,
            stemmer=stemmer,
            procs=procs,
            on_item=on_item,
        )
    except StrictFailure as failure:
        raise click.ClickException(f"{failure} (--strict: nothing was changed)") from None
    except SearchError as error:
        raise click.ClickException(str(error)) from None
    finally:
        if bar is not None:
            bar.close()
    click.echo(
        f"indexed {report.indexed}, replaced {report.replaced}, skipped {report.skipped} "
        f"in {report.seconds:.1f} s ({report.docs_per_second:,.0f} docs/s); "
        f"{report.documents} documents in {index_dir}"
    )


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats(index_dir, as_json) -> None:
    """Document count, index size, fields and last build time."""
    try:
        figures = index_stats(index_dir)
    except SearchError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    last = figures.get("last_run") or {}
    click.echo(f"index:      {figures['folder']} ({figures['generation']})")
    click.echo(f"documents:  {figures['documents']}")
    size_mb = figures["size_bytes"] / 1e6
    click.echo(f"size:       {size_mb:.1f} MB in {figures['segments']} segments")
    click.echo(f"format:     {figures['format']}")
    click.echo(f"stemmer:    {figures['stemmer']}")
    click.echo(f"fields:     {', '.join(figures['fields'])}")
    click.echo(f"built at:   {figures.get('built_at', 'unknown')}")
    if "deleted" in last:  # the last change was a deletion over HTTP
        click.echo(f"last run:   deleted {last['deleted']} in {last['seconds']} s")
    elif last:
        click.echo(
            f"last run:   indexed {last.get('indexed', 0)}, replaced {last.get('replaced', 0)}, "
            f"skipped {last.get('skipped', 0)} in {last.get('seconds', 0)} s"
        )


@main.command()
@index_option
@click.option(
    "--output",
    "-o",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="Where the JSON Lines go (default: standard output).",
)
def export(index_dir, output) -> None:
    """Write every document as JSON Lines, what `arabic-search index` reads back."""
    from .store import export_lines, open_reader

    try:
        with open_reader(index_dir) as reader:
            count = 0
            for line in export_lines(reader):
                output.write(line)
                count += 1
    except SearchError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"exported {count} documents", err=True)


@main.command()
@click.argument("destination", type=click.Path(file_okay=False))
@index_option
def snapshot(destination, index_dir) -> None:
    """Copy the live index to DESTINATION while it serves and takes writes (hard links)."""
    from .store import snapshot as take_snapshot

    try:
        done = take_snapshot(index_dir, destination)
    except SearchError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"snapshot of {done['generation']} in {destination}: {done['files']} files, "
        f"{done['bytes'] / 1e6:.1f} MB ({done['linked']} linked, {done['copied']} copied)"
    )


@main.command()
@click.argument("primary")
@index_option
@click.option(
    "--interval",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.05, 3600),
    help="Seconds between two looks at the primary.",
)
@click.option(
    "--writes-to",
    default=None,
    metavar="URL",
    help="The primary's HTTP address, named in the 503 a write sent to this replica gets.",
)
@click.option(
    "--bwlimit",
    default=0,
    type=click.IntRange(0),
    help="Most KB/s a copy may use (rsync --bwlimit); 0: no limit.",
)
@click.option("--once", is_flag=True, help="Sync once and exit (status 1 when it failed).")
def follow(primary, index_dir, interval, writes_to, bwlimit, once) -> None:
    """Keep --index a read replica of PRIMARY (rsync://HOST/MODULE): each commit is copied
    whole, checked, then served; writes to the replica are refused."""
    import signal

    from .store import Follower, SyncFailed

    last_error = []

    def on_sync(result) -> None:
        if result.changed:
            click.echo(
                f"copied {result.generation}: {result.files} file{'s' * (result.files != 1)}, "
                f"{result.bytes / 1e6:.1f} MB in {result.seconds:.2f} s"
            )
        elif once:
            click.echo(f"in sync at {result.generation}")
        last_error.clear()

    def on_error(message: str) -> None:
        if last_error != [message]:  # once per distinct failure, not once a second
            click.echo(f"sync failed: {message}", err=True)
            last_error[:] = [message]

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # the copy in flight is abandoned
    try:
        follower = Follower(primary, index_dir, writes_to=writes_to, bwlimit=bwlimit)
        if not once:
            click.echo(f"following {follower.source} into {index_dir} every {interval:g} s")
        follower.run(interval, on_sync=on_sync, on_error=on_error, once=once)
    except SyncFailed:
        sys.exit(1)
    except SearchError as error:
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:
        pass


@main.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@synonyms_option
def serve(index_dir, host, port, workers, synonyms_file) -> None:
    """Serve the search page and the JSON API with gunicorn."""
    from .library import load_synonyms
    from .store import open_reader

    try:
        open_reader(index_dir).close()
        if synonyms_file:
            load_synonyms(synonyms_file)  # a bad file stops here, naming the file and line
    except SearchError as error:
        raise click.ClickException(str(error)) from None
    os.environ["ARABIC_SEARCH_INDEX_DIR"] = str(Path(index_dir).resolve())
    if synonyms_file:
        os.environ["ARABIC_SEARCH_SYNONYMS"] = str(Path(synonyms_file).resolve())
    argv = [
        "gunicorn",
        "--config",
        "python:search.web.serving",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "search.web:create_app()",
    ]
    os.execvp(sys.executable, [sys.executable, "-m", *argv])


@main.command("query")
@click.argument("text")
@index_option
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option("--per-page", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option(
    "--sort",
    type=click.Choice(["relevance", "date:desc", "date:asc", "date"]),
    default="relevance",
    help="date (or date:desc) is newest first, date:asc oldest first.",
)
@click.option("--from", "date_from", default=None, help="Earliest date, YYYY-MM-DD.")
@click.option("--to", "date_to", default=None, help="Latest date, YYYY-MM-DD.")
@click.option("--source", multiple=True, help="Only this source (repeat for any of several).")
@click.option("--source-not", multiple=True, help="Leave this source out (repeatable).")
@click.option("--tag", multiple=True, help="Only articles with this tag (repeatable: any).")
@click.option("--tag-not", multiple=True, help="Leave articles with this tag out (repeatable).")
@click.option(
    "--all-copies",
    is_flag=True,
    help="List every copy of a story that several outlets published (collapse=false).",
)
@click.option("--json", "as_json", is_flag=True, help="Print exactly the API's JSON.")
@click.option("--explain", is_flag=True, help="Show what each query word added to each score.")
@synonyms_option
def query_command(
    text,
    index_dir,
    page,
    per_page,
    sort,
    date_from,
    date_to,
    source,
    source_not,
    tag,
    tag_not,
    all_copies,
    as_json,
    explain,
    synonyms_file,
) -> None:
    """Search the index and print ranked hits with highlighted snippets."""
    from .library import open_index

    try:
        with open_index(index_dir, synonyms_file) as index:
            body = index.search(
                text,
                page=page,
                per_page=per_page,
                sort=sort,
                date_from=date_from,
                date_to=date_to,
                source=source,
                source_not=source_not,
                tag=tag,
                tag_not=tag_not,
                collapse=not all_copies,
                explain=explain,
            )
    except SearchError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    click.echo(f"{body['total']} results in {body['took_ms']} ms")
    if body["suggestion"]:
        click.echo(f"did you mean: {body['suggestion']}")
    first = (page - 1) * per_page
    for rank, hit in enumerate(body["results"], start=first + 1):
        click.echo()
        click.echo(f"{rank:>3}. {hit['id']}  {hit['date'] or '—'}  {hit['source'] or ''}")
        click.echo("     " + _terminal(hit["title_html"], bold=True))
        click.echo("     " + _terminal(hit["snippet_html"]))
        if hit["duplicates"]:
            copies = ", ".join(f"{d['source'] or '?'} ({d['id']})" for d in hit["duplicates"])
            click.echo(f"     also in: {copies}")
        if explain:
            click.echo(f"     score {hit['score']}:")
            for row in hit.get("explain", []):
                term = f" ({row['term']})" if row["term"] and row["term"] != row["word"] else ""
                where = f" in {row['field']}" if row["field"] else ""
                note = "" if row["counted"] else "  (not counted: a better reading counted)"
                if "raw" in row:
                    note = f"  (kept of {row['raw']:.4f}: the word as typed ranks first)"
                click.echo(
                    f"       {row['score']:>8.4f}  {row['word']}{term}  {row['form']}{where}{note}"
                )


@main.command("suggest")
@click.argument("text")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print exactly the API's JSON.")
def suggest_command(text, index_dir, as_json) -> None:
    """Suggestions for a query being typed: its last word completed, then titles."""
    from .library import open_index

    try:
        with open_index(index_dir) as index:
            body = index.suggest(text)
    except SearchError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    for item in body["suggestions"]:
        click.echo(f"{item['count']:>6}  {item['kind']:<5}  {item['text']}")


def _then_writing(items, bar):
    """The items, and once they are all read, the bar says the index is being written (a
    large build then spends seconds writing its segments)."""
    yield from items
    bar.set_description_str("writing the index")
    bar.refresh()


MARK_RE = re.compile(r"<mark>(.*?)</mark>")


def _terminal(html_text: str, bold: bool = False) -> str:
    """Highlight HTML for a terminal: <mark> becomes bold yellow, entities are unescaped."""
    from html import unescape

    parts = []
    at = 0
    for match in MARK_RE.finditer(html_text):
        parts.append(unescape(html_text[at : match.start()]))
        parts.append(click.style(unescape(match.group(1)), fg="yellow", bold=True))
        at = match.end()
    parts.append(unescape(html_text[at:]))
    line = "".join(parts)
    return click.style(line, bold=True) if bold else line


@main.command("eval")
@click.option("--docs", "docs", multiple=True, required=True, type=click.Path(exists=True))
@click.option("--queries", default=None, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--topics",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="Questions as a TREC topics TSV (qid<TAB>query), judged by --qrels.",
)
@click.option(
    "--qrels",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="TREC qrels (qid iteration docid relevance) for --topics.",
)
@click.option(
    "--run",
    "run_file",
    default=None,
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the rankings as a TREC run file (qid Q0 docid rank score tag).",
)
@click.option("--run-tag", default="arabic-search", show_default=True)
@click.option("--index", "index_dir", default=None, type=click.Path(file_okay=False))
@click.option("--worst", default=0, show_default=True, type=click.IntRange(0))
@click.option(
    "--precision",
    "precision_words",
    default=0,
    type=click.IntRange(0, 1000),
    help="Also judge the top 10 of this many frequent title words of the docs.",
)
@stemmer_option
@synonyms_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
def eval_command(
    docs,
    queries,
    topics,
    qrels,
    run_file,
    run_tag,
    index_dir,
    worst,
    precision_words,
    stemmer,
    synonyms_file,
    as_json,
) -> None:
    """Measure nDCG@10, MRR@10, Recall@10/100 and query time on a judged query set, and the
    top-10 precision of frequent words (--precision)."""
    from .evaluate import EvalError, load_trec, run_eval, run_precision, write_run
    from .library import load_synonyms

    if bool(topics) != bool(qrels):
        raise click.UsageError("--topics and --qrels go together")
    if queries and topics:
        raise click.UsageError("give --queries or --topics with --qrels, not both")
    if not (queries or topics) and not precision_words:
        raise click.UsageError(
            "give --queries (judged questions), --topics with --qrels, --precision N, or both"
        )
    if run_file and not (queries or topics):
        raise click.UsageError("--run writes the rankings of --queries or --topics")
    figures: dict = {}
    lines: list[str] = []
    try:
        synonyms = load_synonyms(synonyms_file) if synonyms_file else None
        questions = load_trec(topics, qrels) if topics else queries
        if questions:
            report = run_eval(
                docs, questions, index=index_dir, worst=worst, stemmer=stemmer, synonyms=synonyms
            )
            if run_file:
                write_run(report, run_file, run_tag)
            figures.update(report.as_json())
            lines.append(report.as_text())
        if precision_words:
            judged = run_precision(docs, precision_words, index=index_dir, stemmer=stemmer)
            figures["precision"] = judged.as_json()
            lines.append(_precision_text(judged.as_json()))
    except (EvalError, SearchError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps(figures, ensure_ascii=False) if as_json else "\n\n".join(lines))


def _precision_text(figures: dict) -> str:
    lines = [
        f"precision@10 of {figures['words']} frequent title words: {figures['precision@10']:.4f}"
        f"; {figures['failing_words']} words with 5 or more of their top 10 lacking the word"
    ]
    lines += [
        f"  {row['word']}: {row['lacking']} of {row['hits']} lack it" for row in figures["failing"]
    ]
    return "\n".join(lines)
