"""OParl imports: harvest (``oparl_client``) → map (``oparl_mapping``) → preview, or the SHACL
gate and one atomic write through the same writer as sheets.

Only the command line and token-protected routes start one; the harvest runs in a thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
import pyoxigraph as ox

from sozialgraph.config import Settings
from sozialgraph.errors import BadRequest
from sozialgraph.ingest.oparl_client import OParlClient, OParlLimits
from sozialgraph.ingest.oparl_mapping import (
    OParlMapper,
    OParlMapping,
    known_decisions,
    merge_previous,
)
from sozialgraph.ingest.oparl_objects import Harvest
from sozialgraph.ingest.preview import Preview, Previews
from sozialgraph.ingest.vocabulary import Vocabulary, vocabulary_rows
from sozialgraph.ingest.writer import GraphWriter, WriteResult
from sozialgraph.store.base import GraphStore, Term

if TYPE_CHECKING:
    from sozialgraph.querying.registry import QueryRegistry

Select = Callable[[str], Awaitable[list[dict[str, Term]]]]


@dataclass
class OParlImport:
    """One harvest, mapped: what an OParl import would write into ``graph``."""

    url: str
    graph: str
    harvest: Harvest
    mapping: OParlMapping
    modified_since: dt.datetime | None = None

    @property
    def incremental(self) -> bool:
        return self.modified_since is not None

    def candidate(self, previous: list[ox.Triple]) -> list[ox.Triple]:
        """The graph's content after the import (an incremental one keeps what it did not see)."""
        if self.incremental:
            return list(dict.fromkeys(merge_previous(previous, self.mapping.triples)))
        return list(dict.fromkeys(self.mapping.triples))

    def summary(self) -> dict[str, object]:
        return {
            "url": self.url,
            "graph": self.graph,
            "modified_since": self.modified_since.isoformat() if self.modified_since else None,
            "papers": len(self.harvest.papers),
            "requests": self.harvest.requests,
            "new_decisions": self.mapping.new,
            "enriched_decisions": self.mapping.enriched,
            "committee_steps": self.mapping.steps,
            "notes": self.harvest.notes + self.mapping.notes,
            "triples": len(self.mapping.triples),
        }


def parse_since(text: str | None) -> dt.datetime | None:
    """``2024-05-01`` or an ISO date-time → an aware date-time (UTC when no offset is given)."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(
            f"modified_since must be a date YYYY-MM-DD or an ISO date-time, got {text!r}",
            de=f"modified_since muss ein Datum JJJJ-MM-TT oder ein ISO-Zeitpunkt sein: {text!r}",
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def prepare(
    settings: Settings,
    select: Select,
    registry: QueryRegistry,
    url: str,
    graph: str,
    modified_since: dt.datetime | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
) -> OParlImport:
    """Harvest ``url`` (a system, body or paper) and map it against what is published."""
    limits = OParlLimits.from_settings(settings)

    def walk() -> Harvest:
        with OParlClient(limits, transport) as client:
            return client.harvest(url, modified_since)

    harvest = await asyncio.to_thread(walk)
    vocabulary = Vocabulary.from_rows(
        await vocabulary_rows(select, registry, settings.municipality_iri), settings.base_iri
    )
    references = sorted({p.reference for p in harvest.papers if p.reference})
    rows = (
        await select(registry.get("decision-by-identifier").bind({"identifier": references}))
        if references
        else []
    )
    mapper = OParlMapper(
        settings.base_iri, settings.municipality, vocabulary, known_decisions(rows, graph)
    )
    return OParlImport(url, graph, harvest, mapper.map(harvest.papers), modified_since)


def preview(previews: Previews, registry: QueryRegistry, run: OParlImport, lang: str) -> Preview:
    """The import's preview (the sheets' preview: changes by resource, SHACL report, the hash
    that binds a publish to it); writes nothing. Run it between writes (``WriteService.read``)."""
    candidate = run.candidate(previews.writer.graph_triples(run.graph))
    return previews.triples(registry, run.graph, candidate, lang)


def publish(
    writer: GraphWriter, run: OParlImport, *, agent: str, expected_hash: str | None = None
) -> WriteResult:
    """Validate and write the import in one step (the sheets' writer and gate); with
    ``expected_hash`` only what that preview showed (else ``PreviewOutdated``, 409)."""
    if not run.mapping.triples:
        raise BadRequest(
            f"{run.url}: no paper could be mapped; nothing was written",
            de=f"{run.url}: keine Vorlage ließ sich abbilden; es wurde nichts geschrieben",
        )
    content = "\n".join(sorted(str(t) for t in run.mapping.triples)).encode("utf-8")
    return writer.replace(
        run.graph,
        run.mapping.triples,
        agent=agent,
        kind="oparl",
        source=run.url,
        content=content,
        prepare=run.candidate,
        expected_hash=expected_hash,
    )


def run_on_store(
    settings: Settings,
    store: GraphStore,
    url: str,
    graph: str,
    modified_since: str | None,
    dry_run: bool,
    agent: str,
    lang: str = "de",
) -> str:
    """The command line's import (``sozialgraph oparl``): what was, or with ``dry_run`` would
    be, written as JSON. Errors are the domain's (the command maps them to exit codes)."""
    import json

    from sozialgraph.ingest.history import History
    from sozialgraph.ingest.importer import SheetImport, import_graph_iri
    from sozialgraph.querying.registry import QueryRegistry
    from sozialgraph.resources import queries_dir
    from sozialgraph.store.base import select_rows

    async def select(text: str) -> list[dict[str, Term]]:
        return select_rows(store, text)

    history = History(settings.state_dir / "history")
    writer = GraphWriter(store, settings.base_iri, history, settings.validator)
    sheets = SheetImport(writer, settings.base_iri, settings.municipality)
    target = import_graph_iri(settings.base_iri, graph)
    since = parse_since(modified_since)
    registry = QueryRegistry(queries_dir())
    run = asyncio.run(prepare(settings, select, registry, url, target, since))
    summary = run.summary()
    if dry_run:
        summary.update(preview(Previews(writer, sheets), registry, run, lang).document(lang))
    else:
        result = publish(writer, run, agent=agent)
        summary.update(activity=result.activity_id, triples_written=result.triples)
    return json.dumps(summary, ensure_ascii=False, indent=2)
