"""What a write would change in the published data, resource by resource.

The comparison is on the union of the data graphs (what every query sees), for the resources
the write touches: the subjects of the graph's old and new content. ``before`` is what is
published about them; ``after`` is the same with the target graph's statements replaced by the
new content. A resource is *added* when nothing was published about it and something will be,
*removed* when everything published about it goes, *changed* otherwise when its description
differs. Through a sheet's lens (:data:`Lens`) a description is the row the export would write
for it, so statements the sheet cannot show (or that the importer derives, such as a status
assessment's label) never count as a change; the exact counts of statements are reported too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from sozialgraph.errors import SozialgraphError
from sozialgraph.namespaces import SG_NS
from sozialgraph.readmodel.labels import LABEL_PROPERTIES, Candidate, best_label
from sozialgraph.store.base import as_term

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
HAS_ASSESSMENT = SG_NS + "hasStatusAssessment"
HAS_FIELD = SG_NS + "hasFieldOfAction"

#: A sheet's view of one resource: its kind and its row (column key → (header, cell)), or None
#: for a resource no sheet describes (it is then compared statement by statement).
Row = dict[str, tuple[str, str]]
Lens = Callable[[set[ox.Triple]], tuple[str, Row] | None]


class PreviewOutdated(SozialgraphError):
    """The upload or the published data differ from what the preview was made for."""

    status = 409
    title = "Preview outdated"

    def __init__(self) -> None:
        super().__init__(
            "the graph changed since the preview, or the upload is not the one previewed; "
            "preview again (POST /api/import/preview) and publish with the new hash",
            de="Der Graph hat sich seit der Vorschau geändert, oder die Datei ist nicht die "
            "der Vorschau; bitte erneut die Vorschau ansehen und mit dem neuen Hash "
            "veröffentlichen",
        )


@dataclass(frozen=True)
class PropertyChange:
    """One property (a sheet's column, or a predicate) with its values before and after."""

    property: str
    label: str
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class ResourceChange:
    iri: str
    label: str
    kind: str  # measures, goals, fields (a sheet's row) or resource
    properties: tuple[PropertyChange, ...]


@dataclass
class Changes:
    added: list[ResourceChange] = field(default_factory=list)
    removed: list[ResourceChange] = field(default_factory=list)
    changed: list[ResourceChange] = field(default_factory=list)
    triples_added: int = 0
    triples_removed: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def value_of(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """The IRI, blank node id or lexical form of a term (the data hold no triple terms)."""
    return as_term(term).value


def content_hash(graph: str, version: str, triples: Iterable[ox.Triple]) -> str:
    """The hash that binds a publish to its preview: the graph, the store version the preview
    was made against and the exact content to be written (blank nodes canonicalised)."""
    content = list(triples)
    if any(
        isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in content
    ):
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in content)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        content = [q.triple for q in dataset]
    digest = hashlib.sha256(f"{graph}\n{version}\n".encode())
    for line in sorted(str(t) for t in content):
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def union_change(
    published: Iterable[ox.Quad], graph: str, new: Iterable[ox.Triple], excluded: set[str]
) -> tuple[set[ox.Triple], set[ox.Triple]]:
    """``before`` and ``after`` of the union of data graphs, about the resources in
    ``published`` (every quad about them), when ``graph`` gets the content ``new``."""
    before: set[ox.Triple] = set()
    others: set[ox.Triple] = set()
    for quad in published:
        name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        if name in excluded:
            continue
        before.add(quad.triple)
        if name != graph:
            others.add(quad.triple)
    return before, others | set(new)


def compare(
    before: set[ox.Triple], after: set[ox.Triple], lens: Lens | None, lang: str = "de"
) -> Changes:
    """The changes from ``before`` to ``after``, grouped by resource (see the module)."""
    owner = owners_of(before | after, folded=lens is not None)
    old, new = group(before, owner), group(after, owner)
    changes = Changes(triples_added=len(after - before), triples_removed=len(before - after))
    for iri in sorted(set(old) | set(new)):
        was, will = old.get(iri, set()), new.get(iri, set())
        if was == will:
            continue
        label = _label(will or was, iri, lang)
        old_view = lens(was) if lens is not None and was else None
        new_view = lens(will) if lens is not None and will else None
        shown = new_view or old_view
        if shown is not None:
            kind, properties = shown[0], _row_changes(old_view, new_view)
        else:
            kind, properties = "resource", _triple_changes(was, will)
        if not was:
            changes.added.append(ResourceChange(iri, label, kind, properties))
        elif not will:
            changes.removed.append(ResourceChange(iri, label, kind, properties))
        elif properties:
            changes.changed.append(ResourceChange(iri, label, kind, properties))
    return changes


def group(
    triples: Iterable[ox.Triple], owner: Callable[[ox.Triple], str]
) -> dict[str, set[ox.Triple]]:
    """Statements by the resource they belong to."""
    grouped: dict[str, set[ox.Triple]] = {}
    for t in triples:
        grouped.setdefault(owner(t), set()).add(t)
    return grouped


def owners_of(triples: set[ox.Triple], *, folded: bool = True) -> Callable[[ox.Triple], str]:
    """Which resource a statement belongs to: its subject; through a sheet's lens a status
    assessment belongs to its measure and a version's link to a field belongs to the field."""
    parent: dict[str, str] = {}
    fields: set[str] = set()
    if folded:
        for t in triples:
            if t.predicate.value == HAS_ASSESSMENT:
                parent[value_of(t.object)] = value_of(t.subject)
            elif t.predicate.value == RDF_TYPE and value_of(t.object) == SG_NS + "FieldOfAction":
                fields.add(value_of(t.subject))

    def owner(t: ox.Triple) -> str:
        if t.predicate.value == HAS_FIELD and value_of(t.object) in fields:
            return value_of(t.object)
        return parent.get(value_of(t.subject), value_of(t.subject))

    return owner


def _row_changes(
    old_view: tuple[str, Row] | None, new_view: tuple[str, Row] | None
) -> tuple[PropertyChange, ...]:
    old_row: Row = old_view[1] if old_view else {}
    new_row: Row = new_view[1] if new_view else {}
    changes = []
    for key in dict.fromkeys([*old_row, *new_row]):
        header, before = old_row.get(key, ("", ""))
        header_after, after = new_row.get(key, (header, ""))
        if before != after:
            changes.append(
                PropertyChange(key, header_after or header, _cells(before), _cells(after))
            )
    return tuple(changes)


def _cells(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(";") if v.strip())


def _triple_changes(was: set[ox.Triple], will: set[ox.Triple]) -> tuple[PropertyChange, ...]:
    def by_property(triples: set[ox.Triple]) -> dict[str, set[str]]:
        values: dict[str, set[str]] = {}
        for t in triples:
            values.setdefault(t.predicate.value, set()).add(str(t.object))
        return values

    old, new = by_property(was), by_property(will)
    return tuple(
        PropertyChange(p, _short(p), tuple(sorted(old.get(p, ()))), tuple(sorted(new.get(p, ()))))
        for p in sorted(set(old) | set(new))
        if old.get(p) != new.get(p)
    )


def _short(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


def _label(triples: set[ox.Triple], iri: str, lang: str) -> str:
    candidates = [
        Candidate(t.predicate.value, t.object)
        for t in triples
        if value_of(t.subject) == iri
        and t.predicate.value in LABEL_PROPERTIES
        and isinstance(t.object, ox.Literal)
    ]
    label = best_label(candidates, lang)
    return label.value if label is not None else _short(iri)


def as_document(change: ResourceChange) -> Mapping[str, object]:
    """A change as JSON members (the API's and the pages' shape)."""
    return {
        "iri": change.iri,
        "label": change.label,
        "kind": change.kind,
        "properties": [
            {"property": p.property, "label": p.label, "old": list(p.old), "new": list(p.new)}
            for p in change.properties
        ],
    }
