"""Command line: thin wrappers that parse options and call the modules."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pyoxigraph as ox
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sozialgraph.config import Settings
from sozialgraph.errors import SozialgraphError, ValidationFailed
from sozialgraph.namespaces import PREFIXES

if TYPE_CHECKING:
    from sozialgraph.store.base import GraphStore, Term

app = typer.Typer(
    help="sozialgraph: the social strategy of a city as a validated, queryable knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)

StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="Store directory or SPARQL endpoint URL (SOZIALGRAPH_STORE)."),
]
LangOption = Annotated[str, typer.Option("--lang", help="Language of messages: de or en.")]

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def _settings(store: str | None) -> Settings:
    overrides = {"store": store} if store else {}
    return Settings(**overrides)  # type: ignore[arg-type]


def _fail(error: SozialgraphError, lang: str = "en") -> None:
    if isinstance(error, ValidationFailed):
        err.print(error.report.format(lang), markup=False, highlight=False)
    else:
        err.print(f"[red]{error.title}:[/red] {error.message}", highlight=False)
    raise typer.Exit(code=1 if isinstance(error, ValidationFailed) else 2)


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
    from sozialgraph.store import open_store

    settings = _settings(store)
    graph_store = open_store(settings)
    try:
        with _progress() as progress:
            task = progress.add_task("build", total=None)

            def report(step: str, done: int, total: int) -> None:
                progress.update(task, description=step, completed=done, total=total)

            result = run_build(
                graph_store,
                settings.base_iri,
                data_dir=data,
                progress=report,
                validator=settings.validator,
            )
    except SozialgraphError as error:
        _fail(error, lang)
    finally:
        graph_store.close()
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
) -> None:
    """Serve the graph over HTTP; builds the store first if it is empty."""
    import uvicorn

    from sozialgraph.build import build as run_build
    from sozialgraph.store import open_store
    from sozialgraph.web.app import create_app

    overrides: dict[str, object] = {}
    if store:
        overrides["store"] = store
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    settings = Settings(**overrides)  # type: ignore[arg-type]
    graph_store = open_store(settings)
    try:
        if graph_store.is_empty():
            err.print(f"Store {settings.store} is empty: building it first.")
            run_build(graph_store, settings.base_iri)
    except SozialgraphError as error:
        _fail(error)
    finally:
        graph_store.close()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=settings.access_log,
    )


@app.command("validate")
def validate_files(
    files: Annotated[
        list[Path], typer.Argument(help="RDF files (Turtle, N-Triples, JSON-LD, RDF/XML).")
    ],
    store: StoreOption = None,
    lang: LangOption = "de",
) -> None:
    """Validate files with the ontology, vocabularies and published data (exit 1 if invalid)."""
    from sozialgraph.store import open_store
    from sozialgraph.validation.gate import validate_with_published

    settings = _settings(store)
    graph_store = open_store(settings)
    try:
        report = validate_with_published(files, graph_store, settings.base_iri, settings.validator)
    except SozialgraphError as error:
        _fail(error, lang)
    finally:
        graph_store.close()
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
    from sozialgraph.store import open_store

    path = Path(query_or_file)
    text = (
        path.read_text(encoding="utf-8")
        if path.suffix == ".rq" and path.is_file()
        else query_or_file
    )
    graph_store = open_store(_settings(store))
    try:
        result = graph_store.query(text)
        out = sys.stdout.buffer
        if isinstance(result, ox.QueryTriples):
            graph_format = GRAPH_FORMATS.get(fmt, ox.RdfFormat.TURTLE)
            ox.serialize(result, out, format=graph_format, prefixes=PREFIXES)
        else:
            if fmt not in RESULT_FORMATS:
                raise typer.BadParameter(f"--format must be one of {', '.join(RESULT_FORMATS)}")
            result.serialize(out, format=RESULT_FORMATS[fmt])
        out.flush()
    except SyntaxError as error:
        err.print(f"[red]Malformed query:[/red] {error}", highlight=False)
        raise typer.Exit(code=2) from None
    except SozialgraphError as error:
        _fail(error)
    finally:
        graph_store.close()


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="turtle|nt|nq|trig|jsonld|rdfxml")] = "trig",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default: stdout).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Write the whole graph (all named graphs) in one RDF format."""
    from sozialgraph.store import open_store

    if fmt not in GRAPH_FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(GRAPH_FORMATS)}")
    graph_store = open_store(_settings(store))
    try:
        if output is None:
            graph_store.dump(sys.stdout.buffer, GRAPH_FORMATS[fmt], prefixes=PREFIXES)
            sys.stdout.buffer.flush()
        else:
            with output.open("wb") as handle:
                graph_store.dump(handle, GRAPH_FORMATS[fmt], prefixes=PREFIXES)
    except SozialgraphError as error:
        _fail(error)
    finally:
        graph_store.close()


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
    from sozialgraph.store import open_store

    settings = _settings(store)
    graph_store = open_store(settings)
    try:
        values = allowed_values(_vocabulary_rows(graph_store, settings), settings.base_iri)
    finally:
        graph_store.close()
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
    from sozialgraph.ingest.history import History
    from sozialgraph.ingest.importer import ImportRejected, SheetImport, import_graph_iri
    from sozialgraph.ingest.writer import GraphWriter
    from sozialgraph.rdf_io import parse_file
    from sozialgraph.store import open_store

    settings = _settings(store)
    graph_store = open_store(settings)
    try:
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
    except ImportRejected as rejected:
        for problem in rejected.problems:
            err.print(problem.text(lang), markup=False, highlight=False)
        raise typer.Exit(code=1) from None
    except SozialgraphError as error:
        _fail(error, lang)
    finally:
        graph_store.close()
    err.print(
        f"Imported {result.triples} triples into {result.graph} "
        f"(before: {result.previous_triples}; activity {result.activity_id})",
        highlight=False,
    )


def _vocabulary_rows(graph_store: GraphStore, settings: Settings) -> list[dict[str, Term]]:
    from sozialgraph.ingest.vocabulary import publishes_query, vocabulary_query
    from sozialgraph.querying.registry import QueryRegistry
    from sozialgraph.resources import queries_dir
    from sozialgraph.store.base import as_term

    municipality = settings.municipality_iri
    scoped = bool(graph_store.query(publishes_query(municipality)))
    query = QueryRegistry(queries_dir()).get("import-vocabulary")
    solutions = graph_store.query(vocabulary_query(query, municipality if scoped else None))
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError("the import-vocabulary query must be a SELECT query")
    names = [v.value for v in solutions.variables]
    rows: list[dict[str, Term]] = []
    for row in solutions:
        bound = {name: row[name] for name in names}
        rows.append({name: as_term(term) for name, term in bound.items() if term is not None})
    return rows


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
