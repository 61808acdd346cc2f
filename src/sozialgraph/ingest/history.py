"""Earlier versions of written graphs, kept beside the store as compressed N-Triples.

Each accepted write saves the content it wrote under its activity's id *before* the write is
committed; the metadata graph says which versions exist (a file without its activity — left by
a crash between the two steps — is never listed). Keeping versions out of the store keeps them
out of the union default graph that every query sees.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from sozialgraph.namespaces import SG_NS, slugify
from sozialgraph.store.base import as_term


class History:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, graph: str, activity_id: str) -> Path:
        digest = hashlib.sha256(graph.encode("utf-8")).hexdigest()[:16]
        tail = slugify(graph.rstrip("/").rsplit("/", 1)[-1])[:40] or "graph"
        return self.folder / f"{tail}-{digest}" / f"{activity_id}.nt.gz"

    def save(self, graph: str, activity_id: str, triples: list[ox.Triple]) -> None:
        path = self._path(graph, activity_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        ox.serialize(triples, buffer, format=ox.RdfFormat.N_TRIPLES)
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("wb") as handle:
            handle.write(gzip.compress(buffer.getvalue()))
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)

    def load(self, graph: str, activity_id: str) -> list[ox.Triple] | None:
        path = self._path(graph, activity_id)
        if not path.exists():
            return None
        return list(ox.parse(gzip.decompress(path.read_bytes()), format=ox.RdfFormat.N_TRIPLES))


@dataclass(frozen=True)
class StatusChange:
    measure: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Diff:
    added: list[str]
    removed: list[str]
    status_changes: list[StatusChange]


STATUS = SG_NS + "status"
ASSESSED_ON = SG_NS + "assessedOn"
HAS_ASSESSMENT = SG_NS + "hasStatusAssessment"


def current_statuses(triples: list[ox.Triple]) -> dict[str, str]:
    """Each measure's newest status in one graph version."""
    status = {_value(t.subject): _value(t.object) for t in triples if t.predicate.value == STATUS}
    dates = {
        _value(t.subject): _value(t.object) for t in triples if t.predicate.value == ASSESSED_ON
    }
    newest: dict[str, tuple[str, str]] = {}
    for t in triples:
        if t.predicate.value != HAS_ASSESSMENT:
            continue
        measure, assessment = _value(t.subject), _value(t.object)
        if assessment in status:
            candidate = (dates.get(assessment, ""), status[assessment])
            if measure not in newest or candidate > newest[measure]:
                newest[measure] = candidate
    return {measure: value for measure, (_, value) in newest.items()}


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """The IRI, blank node id or lexical form of a term of a saved version."""
    return as_term(term).value


def diff(before: list[ox.Triple], after: list[ox.Triple]) -> Diff:
    old, new = {str(t) for t in before}, {str(t) for t in after}
    old_status, new_status = current_statuses(before), current_statuses(after)
    changes = [
        StatusChange(m, old_status.get(m), new_status.get(m))
        for m in sorted(set(old_status) | set(new_status))
        if old_status.get(m) != new_status.get(m)
    ]
    return Diff(sorted(new - old), sorted(old - new), changes)
