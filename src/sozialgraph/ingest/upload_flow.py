"""An upload's way through preview and publication, whichever door it came in by: a sheet (CSV,
XLSX) or an RDF file, told apart by the file name's suffix, or council papers from OParl; and
the way back out, a graph as a filled template.

The officer pages use it (``web/officer_upload.py``); ``POST /api/import`` and
``POST /api/import/preview`` take the same steps (``web/ingest.py``).
"""

from __future__ import annotations

import asyncio

import pyoxigraph as ox

from sozialgraph.errors import BadRequest
from sozialgraph.formats import XLSX, rdf_format_for_suffix
from sozialgraph.ingest import oparl_import
from sozialgraph.ingest.columns import SHEETS
from sozialgraph.ingest.export import export, export_csv, export_xlsx, export_zip
from sozialgraph.ingest.preview import Preview
from sozialgraph.ingest.template import allowed_values
from sozialgraph.ingest.vocabulary import vocabulary_rows
from sozialgraph.ingest.write_service import WriteService
from sozialgraph.ingest.writer import WriteResult
from sozialgraph.namespaces import slugify
from sozialgraph.querying.registry import QueryRegistry
from sozialgraph.querying.service import QueryService
from sozialgraph.store.base import Term

SHEET_SUFFIXES = (".csv", ".xlsx", ".txt")


def suffix(filename: str) -> str:
    return "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def is_sheet(filename: str) -> bool:
    return suffix(filename) in SHEET_SUFFIXES


def is_accepted(filename: str) -> bool:
    """Whether ``filename`` names a sheet or an RDF file the import takes."""
    return is_sheet(filename) or rdf_format_for_suffix(suffix(filename)) is not None


async def _triples(writes: WriteService, filename: str, data: bytes) -> list[ox.Triple]:
    rdf = rdf_format_for_suffix(suffix(filename))
    if rdf is None:
        raise BadRequest(
            f"{filename}: upload a .csv, .xlsx, .ttl, .nt, .jsonld or .rdf file",
            de=f"{filename}: bitte eine .csv-, .xlsx-, .ttl-, .nt-, .jsonld- oder .rdf-Datei",
        )
    return await writes.parse(data, rdf.media_type, filename)


async def allowed_rows(service: QueryService, registry: QueryRegistry) -> list[dict[str, Term]]:
    """The vocabulary a sheet may use (of the configured municipality)."""
    return await vocabulary_rows(service.select, registry, service.settings.municipality_iri)


async def preview_upload(
    writes: WriteService,
    service: QueryService,
    registry: QueryRegistry,
    filename: str,
    data: bytes,
    graph: str,
    lang: str = "de",
) -> Preview:
    """What writing the upload into ``graph`` would change (nothing is written)."""
    if is_sheet(filename):
        rows = await allowed_rows(service, registry)
        return await writes.read(
            lambda: writes.previews.sheet(registry, data, filename, graph, rows, lang)
        )
    triples = await _triples(writes, filename, data)
    return await writes.read(lambda: writes.previews.triples(registry, graph, triples, lang))


async def publish_upload(
    writes: WriteService,
    service: QueryService,
    registry: QueryRegistry,
    filename: str,
    data: bytes,
    graph: str,
    *,
    agent: str,
    expected_hash: str | None,
) -> WriteResult:
    """Write the upload into ``graph``; with ``expected_hash`` only if it is what that preview
    showed (else ``PreviewOutdated``, 409)."""
    if is_sheet(filename):
        rows = await allowed_rows(service, registry)
        return await writes.run(
            lambda: writes.sheets.run(
                data, filename, graph, rows, agent=agent, expected_hash=expected_hash
            )
        )
    triples = await _triples(writes, filename, data)
    return await writes.run(
        lambda: writes.writer.replace(
            graph,
            triples,
            agent=agent,
            kind="import",
            source=filename,
            content=data,
            expected_hash=expected_hash,
        )
    )


async def export_file(
    writes: WriteService,
    service: QueryService,
    registry: QueryRegistry,
    *,
    graph: str | None = None,
    municipality: str | None = None,
    format: str = "xlsx",
    sheet: str | None = None,
    lang: str = "de",
) -> tuple[bytes, str, str]:
    """A graph, or a municipality's measures, goals and fields, as a filled import template:
    the file, its media type and a file name (XLSX with the allowed values and drop-downs, a
    zip of one CSV file per sheet, or the CSV of one ``sheet``)."""
    settings = writes.settings
    rows = await allowed_rows(service, registry)
    filled = await asyncio.to_thread(
        lambda: export(
            writes.writer.store,
            registry,
            rows,
            settings.base_iri,
            graph=graph,
            municipality=municipality,
            lang=lang,
        )
    )
    name = "sozialgraph-export-" + slugify(
        (graph or municipality or "").rstrip("/").rsplit("/", 1)[-1]
    )
    if format == "xlsx":
        values = allowed_values(rows, settings.base_iri)
        return export_xlsx(filled, values, lang), XLSX, name + ".xlsx"
    if sheet is None:
        return export_zip(filled, lang), "application/zip", name + ".zip"
    chosen = next(s for s in SHEETS if s.key == sheet)
    return export_csv(filled, chosen, lang), "text/csv; charset=utf-8", f"{name}-{sheet}.csv"


async def preview_oparl(
    writes: WriteService,
    service: QueryService,
    registry: QueryRegistry,
    url: str,
    graph: str,
    since: str | None,
    lang: str = "de",
) -> Preview:
    """Harvest ``url`` (allow-listed hosts only) and preview writing its papers into ``graph``."""
    run = await oparl_import.prepare(
        writes.settings, service.select, registry, url, graph, oparl_import.parse_since(since)
    )
    return await writes.read(lambda: oparl_import.preview(writes.previews, registry, run, lang))


async def publish_oparl(
    writes: WriteService,
    service: QueryService,
    registry: QueryRegistry,
    url: str,
    graph: str,
    since: str | None,
    *,
    agent: str,
    expected_hash: str,
) -> WriteResult:
    """Harvest ``url`` again and write it, if it is still what the preview showed (else 409)."""
    run = await oparl_import.prepare(
        writes.settings, service.select, registry, url, graph, oparl_import.parse_since(since)
    )
    return await writes.run(
        lambda: oparl_import.publish(writes.writer, run, agent=agent, expected_hash=expected_hash)
    )
