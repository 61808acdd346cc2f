"""A written graph's versions for the officer pages: the list, what changed between two versions
(resource by resource, as a preview shows it), and undo — a new write that restores an earlier
version's content.

Versions are the contents saved by every accepted write (``ingest/history.py``), listed by the
``graph-history`` query. Undo never edits that history: it writes the old content again through
the SHACL gate, as a new version of kind ``restore``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from sozialgraph.errors import NotFound
from sozialgraph.ingest.diff import Changes, compare
from sozialgraph.ingest.writer import GraphWriter, WriteResult
from sozialgraph.readmodel.context import ReadContext

#: An activity id as ``provenance.new_activity_id`` makes them (it names a file of the history).
ACTIVITY_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}")


def import_prefix(base_iri: str) -> str:
    return f"{base_iri}graph/import/"


@dataclass(frozen=True)
class GraphVersion:
    activity: str
    kind: str
    agent: str | None
    ended: str
    source: str | None
    triples: int
    sha256: str | None
    deleted: bool


@dataclass(frozen=True)
class WrittenGraph:
    iri: str
    name: str
    triples: int


async def written_graphs(ctx: ReadContext) -> list[WrittenGraph]:
    """The graphs written by imports (``{base}graph/import/…``) with their sizes."""
    prefix = import_prefix(ctx.base_iri)
    table = await ctx.run("graph-sizes")
    return [
        WrittenGraph(row["g"].value, row["g"].value[len(prefix) :], int(row["n"].value))
        for row in table.rows
        if row["g"].value.startswith(prefix)
    ]


async def graph_versions(ctx: ReadContext, graph: str) -> list[GraphVersion]:
    """Every accepted write of ``graph``, newest first (404 when there is none)."""
    table = await ctx.run("graph-history", graph=graph)
    versions = [
        GraphVersion(
            activity=row["activity"].value.rsplit("/", 1)[-1],
            kind=row["kind"].value,
            agent=row["agent"].value if "agent" in row else None,
            ended=row["ended"].value,
            source=row["source"].value if "source" in row else None,
            triples=int(row["triples"].value) if "triples" in row else 0,
            sha256=row["sha256"].value if "sha256" in row else None,
            deleted=row["deleted"].value == "true",
        )
        for row in table.rows
    ]
    if not versions:
        raise NotFound(f"no versions of {graph}", de=f"Keine Versionen von {graph}")
    return versions


def version_content(writer: GraphWriter, graph: str, activity: str) -> list[ox.Triple]:
    """The content a write of ``graph`` saved (404 for an unknown or malformed activity id)."""
    content = writer.history.load(graph, activity) if ACTIVITY_ID.fullmatch(activity) else None
    if content is None:
        raise NotFound(
            f"the content of version {activity} of {graph} is not kept",
            de=f"Der Inhalt der Version {activity} von {graph} ist nicht aufbewahrt",
        )
    return content


def version_changes(
    writer: GraphWriter, graph: str, before: str | None, after: str, lang: str
) -> Changes:
    """What version ``after`` of ``graph`` changed against version ``before`` (or against
    nothing), resource by resource, as a preview shows it (``ingest.diff.compare``)."""
    old = version_content(writer, graph, before) if before else []
    new = version_content(writer, graph, after)
    return compare(set(old), set(new), None, lang)


def restore(writer: GraphWriter, graph: str, activity: str, *, agent: str) -> WriteResult:
    """Write version ``activity`` of ``graph`` again, as a new version (through the gate)."""
    content = version_content(writer, graph, activity)
    data = "\n".join(str(t) + " ." for t in content).encode("utf-8")
    return writer.replace(
        graph, content, agent=agent, kind="restore", source=f"version {activity}", content=data
    )
