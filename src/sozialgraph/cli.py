"""Command line: thin wrappers that parse options and call the modules."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pyoxigraph as ox
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sozialgraph.config import Settings
from sozialgraph.errors import SozialgraphError
from sozialgraph.formats import BY_MEDIA_TYPE, GRAPH_TYPES, RESULT_TYPES, by_name
from sozialgraph.namespaces import PREFIXES
from sozialgraph.validation.report import ValidationFailed

if TYPE_CHECKING:
    from sozialgraph.ingest.writer import WriteResult
    from sozialgraph.store.base import GraphStore, Term

app = typer.Typer(
    help="sozialgraph: the social strategy of a city as a validated, queryable knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
)
store_app = typer.Typer(help="Look after an embedded store: list and repair generations.")
app.add_typer(store_app, name="store")
err = Console(stderr=True)

StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="Store directory or SPARQL endpoint URL (SOZIALGRAPH_STORE)."),
]
LangOption = Annotated[str, typer.Option("--lang", help="Language of messages: de or en.")]

#: ``--format`` names of query results and of graphs (from the format registry).
RESULT_NAMES = "json|xml|csv|tsv"
GRAPH_NAMES = "turtle|nt|nq|trig|jsonld|rdfxml"


def _settings(store: str | None) -> Settings:
    overrides = {"store": store} if store else {}
    return Settings(**overrides)  # type: ignore[arg-type]


def _graph_format(name: str) -> ox.RdfFormat:
    found = by_name(name, GRAPH_TYPES)
    fmt = BY_MEDIA_TYPE[found].rdf if found else None
    if fmt is None:
        raise typer.BadParameter(f"--format must be one of {GRAPH_NAMES}")
    return fmt


def _results_format(name: str) -> ox.QueryResultsFormat:
    found = by_name(name, RESULT_TYPES)
    fmt = BY_MEDIA_TYPE[found].results if found else None
    if fmt is None:
        raise typer.BadParameter(f"--format must be one of {RESULT_NAMES}")
    return fmt


@contextmanager
def _opened(settings: Settings, lang: str = "en") -> Iterator[GraphStore]:
    """The store the settings name, closed afterwards; a domain error ends the command."""
    from sozialgraph.store import open_store

    graph_store = open_store(settings)
    try:
        yield graph_store
    except SozialgraphError as error:
        _fail(error, lang)
    finally:
        graph_store.close()


def _fail(error: SozialgraphError, lang: str = "en") -> None:
    if isinstance(error, ValidationFailed):
        err.print(error.report.format(lang), markup=False, highlight=False)
    else:
        err.print(f"[red]{error.title}:[/red] {error.message}", highlight=False)
    code = 1 if isinstance(error, ValidationFailed) else getattr(error, "exit_code", 2)
    raise typer.Exit(code=code)


@app.command()
def build(
    store: StoreOption = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="Folder of Turtle files to build instead of the bundled data/."
        ),
    ] = None,
    lang: LangOption = "en",
) -> None:
    """Load ontology, vocabularies, shapes and data; validate; replace the store only if valid."""
    from sozialgraph.build import build as run_build
    from sozialgraph.publishing.search_service import build_watcher

    settings = _settings(store)
    with _opened(settings, lang) as graph_store, _progress() as progress:
        task = progress.add_task("build", total=None)

        def report(step: str, done: int, total: int) -> None:
            progress.update(task, description=step, completed=done, total=total)

        result = run_build(
            graph_store,
            settings.base_iri,
            data_dir=data,
            progress=report,
            validator=settings.validator,
            watcher=build_watcher(settings, graph_store),  # the text index, made on the way
        )
    err.print(
        f"Built {len(result.graphs)} graphs, {result.triple_count} triples "
        f"({len(result.report.results)} warnings) into {settings.store}",
        highlight=False,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (SOZIALGRAPH_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (SOZIALGRAPH_PORT).")] = None,
    store: StoreOption = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Web processes on one store.")] = None,
) -> None:
    """Serve the graph over HTTP; builds the store first if it is empty."""
    from sozialgraph.auth import parse_tokens
    from sozialgraph.build import build as run_build
    from sozialgraph.publishing.search_service import build_watcher
    from sozialgraph.web.app import create_app
    from sozialgraph.web.server import run_server, tuned_allocator

    overrides: dict[str, object] = {}
    if store:
        overrides["store"] = store
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    if workers:
        overrides["web_processes"] = workers
    settings = Settings(**overrides)  # type: ignore[arg-type]
    tuned_allocator(settings)  # before anything opens a store: the command may start once more
    try:
        parse_tokens(settings.write_tokens)  # refuse short tokens before anything starts
    except SozialgraphError as error:
        _fail(error)
    with _opened(settings) as graph_store:
        # A damaged CURRENT raises StoreDamaged here (exit 3): never built over, never deleted.
        if graph_store.is_empty():
            err.print(f"Store {settings.store} is empty: building it first.")
            run_build(graph_store, settings.base_iri, watcher=build_watcher(settings, graph_store))
        ensure_writable = getattr(graph_store, "ensure_writable", None)
        if ensure_writable is not None:
            ensure_writable()  # a read-only folder: exit 4 rather than serve stale data
    run_server(create_app(settings) if settings.web_processes == 1 else None, settings, overrides)


@store_app.command("repair")
def store_repair(
    generation: Annotated[
        str | None,
        typer.Option(
            "--generation", help="Generation to make current (default: the newest complete one)."
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (a terminal asks).")] = False,
    store: StoreOption = None,
) -> None:
    """List the store's generations and point CURRENT at one of them."""
    from sozialgraph.store.embedded import EmbeddedStore

    settings = _settings(store)
    if settings.is_remote:
        err.print("store repair works on an embedded store folder only", highlight=False)
        raise typer.Exit(code=2)
    embedded = EmbeddedStore(settings.store)
    generations = embedded.generations()
    err.print(f"Generations in {settings.store} (oldest first):", highlight=False)
    for found in generations:
        triples = f"{found.triples} triples" if found.triples is not None else "? triples"
        state = "complete" if found.complete else "INCOMPLETE"
        mark = "  (CURRENT)" if found.current else ""
        err.print(
            f"  {found.name}  {found.built:%Y-%m-%d %H:%M:%S} UTC  "
            f"{found.size_bytes / 1e6:.1f} MB  {triples}  {state}{mark}",
            highlight=False,
        )
    err.print(embedded.damage() or "CURRENT points at a generation.", highlight=False)
    if not generations:
        raise typer.Exit(code=0)
    if not yes and sys.stdin.isatty() and not typer.confirm("Point CURRENT at it?"):
        raise typer.Exit(code=1)
    try:
        chosen = embedded.repair(generation)
    except SozialgraphError as error:
        _fail(error)
    err.print(f"CURRENT now names {chosen.name}.", highlight=False)


@app.command("validate")
def validate_files(
    files: Annotated[
        list[Path], typer.Argument(help="RDF files (Turtle, N-Triples, JSON-LD, RDF/XML).")
    ],
    store: StoreOption = None,
    lang: LangOption = "de",
) -> None:
    """Validate files with the ontology, vocabularies and published data (exit 1 if invalid)."""
    from sozialgraph.validation.gate import validate_with_published

    settings = _settings(store)
    with _opened(settings, lang) as graph_store:
        report = validate_with_published(files, graph_store, settings.base_iri, settings.validator)
    print(report.format(lang))
    raise typer.Exit(code=0 if report.conforms else 1)


@app.command()
def query(
    query_or_file: Annotated[str, typer.Argument(help="SPARQL query text or a .rq file.")],
    fmt: Annotated[
        str,
        typer.Option("--format", help="json|xml|csv|tsv, or for graphs turtle|nt|jsonld|rdfxml."),
    ] = "json",
    store: StoreOption = None,
) -> None:
    """Run a SPARQL query against the store and print the result."""
    path = Path(query_or_file)
    text = (
        path.read_text(encoding="utf-8")
        if path.suffix == ".rq" and path.is_file()
        else query_or_file
    )
    with _opened(_settings(store)) as graph_store:
        try:
            result = graph_store.query(text)
        except SyntaxError as error:
            err.print(f"[red]Malformed query:[/red] {error}", highlight=False)
            raise typer.Exit(code=2) from None
        out = sys.stdout.buffer
        if isinstance(result, ox.QueryTriples):
            graph_format = by_name(fmt, GRAPH_TYPES)
            rdf = BY_MEDIA_TYPE[graph_format].rdf if graph_format else None
            ox.serialize(result, out, format=rdf or ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        else:
            result.serialize(out, format=_results_format(fmt))
        out.flush()


@app.command()
def search(
    words: Annotated[
        str, typer.Argument(help='Words to find; "quoted phrases"; or an identifier.')
    ],
    limit: Annotated[int, typer.Option("--limit", min=1, max=100)] = 20,
    type_: Annotated[
        list[str] | None, typer.Option("--type", help="Only this class (IRI).")
    ] = None,
    municipality: Annotated[
        list[str] | None, typer.Option("--municipality", help="Only this municipality (IRI).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON.")] = False,
    store: StoreOption = None,
    lang: LangOption = "de",
) -> None:
    """Full-text search (the text index; made or renewed first when the store changed)."""
    from sozialgraph.publishing.search_service import search_once

    settings = _settings(store)
    with _opened(settings, lang) as graph_store:
        result = asyncio.run(
            search_once(
                settings,
                graph_store,
                words,
                lang=lang,
                limit=limit,
                types=tuple(type_ or ()),
                municipalities=tuple(municipality or ()),
            )
        )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    typer.echo(f"{result.total} ({result.engine})" + (f": {result.note}" if result.note else ""))
    for hit in result.hits:
        typer.echo(f"{hit.score:8.2f}  {hit.label or ''}  <{hit.iri}>")


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="turtle|nt|nq|trig|jsonld|rdfxml")] = "trig",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default: stdout).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Write the whole graph (all named graphs) in one RDF format."""
    rdf = _graph_format(fmt)
    with _opened(_settings(store)) as graph_store:
        if output is None:
            graph_store.dump(sys.stdout.buffer, rdf, prefixes=PREFIXES)
            sys.stdout.buffer.flush()
        else:
            with output.open("wb") as handle:
                graph_store.dump(handle, rdf, prefixes=PREFIXES)


@app.command()
def template(
    output: Annotated[
        Path, typer.Argument(help="File to write: .xlsx (all sheets) or .csv.")
    ] = Path("sozialgraph-vorlage.xlsx"),
    sheet: Annotated[
        str, typer.Option(help="For CSV: measures, goals, fields or values.")
    ] = "measures",
    store: StoreOption = None,
    lang: LangOption = "de",
) -> None:
    """Write the import template (with the allowed values from the published graph)."""
    from sozialgraph.ingest.template import allowed_values, template_csv, template_xlsx, values_csv

    settings = _settings(store)
    with _opened(settings, lang) as graph_store:
        values = allowed_values(_vocabulary_rows(graph_store, settings), settings.base_iri)
    if output.suffix.lower() == ".xlsx":
        output.write_bytes(template_xlsx(values, lang))
    elif sheet == "values":
        output.write_bytes(values_csv(values, lang))
    else:
        output.write_bytes(template_csv(sheet, lang))
    err.print(f"Wrote {output}")


@app.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(help="A .csv/.xlsx sheet or a .ttl/.nt/.jsonld/.rdf file.")
    ],
    graph: Annotated[str, typer.Option("--graph", help="Name of the graph to (re)place.")],
    agent: Annotated[str, typer.Option(help="Who imports (recorded as provenance).")] = "cli",
    store: StoreOption = None,
    lang: LangOption = "de",
) -> None:
    """Import a sheet or RDF file into a named graph: validated first, written only if valid."""
    from sozialgraph.ingest.importer import ImportRejected

    settings = _settings(store)
    with _opened(settings, lang) as graph_store:
        try:
            result = _import(graph_store, settings, file, graph, agent)
        except ImportRejected as rejected:
            for problem in rejected.problems:
                err.print(problem.text(lang), markup=False, highlight=False)
            raise typer.Exit(code=1) from None
    err.print(
        f"Imported {result.triples} triples into {result.graph} "
        f"(before: {result.previous_triples}; activity {result.activity_id})",
        highlight=False,
    )


def _import(
    graph_store: GraphStore, settings: Settings, file: Path, graph: str, agent: str
) -> WriteResult:
    from sozialgraph.ingest.history import History
    from sozialgraph.ingest.importer import SheetImport, import_graph_iri
    from sozialgraph.ingest.writer import GraphWriter
    from sozialgraph.rdf_io import parse_file

    history = History(settings.state_dir / "history")
    writer = GraphWriter(graph_store, settings.base_iri, history, settings.validator)
    target = import_graph_iri(settings.base_iri, graph)
    data = file.read_bytes()
    if file.suffix.lower() in (".csv", ".xlsx", ".txt"):
        sheets = SheetImport(writer, settings.base_iri, settings.municipality)
        result = sheets.run(
            data, file.name, target, _vocabulary_rows(graph_store, settings), agent=agent
        )
    else:
        triples = parse_file(file, source=file.name, base_iri=settings.base_iri)
        result = writer.replace(
            target, triples, agent=agent, kind="import", source=file.name, content=data
        )
    return result


@app.command("oparl")
def oparl(
    url: Annotated[str, typer.Argument(help="URL of an OParl system, body or paper.")],
    modified_since: Annotated[
        str | None,
        typer.Option("--modified-since", help="Only papers changed since (YYYY-MM-DD)."),
    ] = None,
    graph: Annotated[str, typer.Option("--graph", help="Name of the graph.")] = "oparl",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the changes and the SHACL report only.")
    ] = False,
    agent: Annotated[str, typer.Option(help="Who imports (recorded as provenance).")] = "cli",
    store: StoreOption = None,
    lang: LangOption = "de",
) -> None:
    """Import council decisions and committee steps from OParl (hosts: SOZIALGRAPH_OPARL_HOSTS);
    prints what was (or, with --dry-run, would be) written as JSON."""
    from sozialgraph.ingest.oparl_import import run_on_store

    settings = _settings(store)
    with _opened(settings, lang) as graph_store:
        typer.echo(
            run_on_store(settings, graph_store, url, graph, modified_since, dry_run, agent, lang)
        )


def _vocabulary_rows(graph_store: GraphStore, settings: Settings) -> list[dict[str, Term]]:
    """The import's allowed values, read from the store (``ingest.vocabulary.vocabulary_rows``)."""
    from sozialgraph.ingest.vocabulary import vocabulary_rows
    from sozialgraph.querying.registry import QueryRegistry
    from sozialgraph.resources import queries_dir
    from sozialgraph.store.base import select_rows

    async def select(text: str) -> list[dict[str, Term]]:
        return select_rows(graph_store, text)

    registry = QueryRegistry(queries_dir())
    return asyncio.run(vocabulary_rows(select, registry, settings.municipality_iri))


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


if __name__ == "__main__":
    app()
