"""Atom feeds (RFC 4287) of the recorded versions: one entry per write that changed what the
feed covers (everything, or one municipality, strategy or measure).

An entry's id is the activity's IRI, its author the name of the write token, its title a
summary in German and English ("1 Maßnahme neu, Status von 'X' geändert: geplant → umgesetzt")
and its content the readable list of changes (HTML, escaped by the XML writer). Feeds are built
from the version journal (``publishing/versions.py``), never from the content of a rejected
write: that never becomes a version.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from sozialgraph.namespaces import SG_NS
from sozialgraph.publishing.versions import Change, VersionJournal, VersionRecord

ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
MEASURE = SG_NS + "Measure"

#: Names of the kinds of resources in titles (singular, plural) per language.
KINDS: dict[str, dict[str, tuple[str, str]]] = {
    SG_NS + "Measure": {"de": ("Maßnahme", "Maßnahmen"), "en": ("measure", "measures")},
    SG_NS + "Goal": {"de": ("Ziel", "Ziele"), "en": ("goal", "goals")},
    SG_NS + "StrategicGoal": {"de": ("Ziel", "Ziele"), "en": ("goal", "goals")},
    SG_NS + "OperationalGoal": {"de": ("Ziel", "Ziele"), "en": ("goal", "goals")},
    SG_NS + "FieldOfAction": {
        "de": ("Handlungsfeld", "Handlungsfelder"),
        "en": ("field of action", "fields of action"),
    },
    SG_NS + "Strategy": {"de": ("Strategie", "Strategien"), "en": ("strategy", "strategies")},
    SG_NS + "StrategyVersion": {
        "de": ("Fassung", "Fassungen"),
        "en": ("strategy version", "strategy versions"),
    },
    SG_NS + "CouncilDecision": {
        "de": ("Beschluss", "Beschlüsse"),
        "en": ("council decision", "council decisions"),
    },
    SG_NS + "StatusAssessment": {
        "de": ("Statuseinschätzung", "Statuseinschätzungen"),
        "en": ("status assessment", "status assessments"),
    },
}
OTHER = {"de": ("Ressource", "Ressourcen"), "en": ("resource", "resources")}
VERBS = {
    "de": {"new": "neu", "changed": "geändert", "deleted": "gelöscht"},
    "en": {"new": "new", "changed": "changed", "deleted": "deleted"},
}
MAX_LINKS = 20
MAX_LINES = 200


@dataclass(frozen=True)
class FeedScope:
    """What a feed covers: ``iri`` None for everything."""

    iri: str | None
    title_de: str
    title_en: str


def _kind(change: Change, lang: str) -> tuple[str, str]:
    for type_iri in change.types:
        if type_iri in KINDS:
            return KINDS[type_iri][lang]
    return OTHER[lang]


def _status(change: Change, which: str, lang: str) -> str:
    iri = change.status_before if which == "before" else change.status_after
    labels = change.status_before_label if which == "before" else change.status_after_label
    if iri is None:
        return "–"
    return labels.get(lang) or iri.rstrip("/").rsplit("/", 1)[-1]


def _name(change: Change, lang: str) -> str:
    other = change.label_en if lang == "de" else change.label_de
    own = change.label_de if lang == "de" else change.label_en
    return own or other or change.iri


def _status_changed(change: Change) -> bool:
    return change.change == "changed" and change.status_before != change.status_after


def summary(changes: list[Change], lang: str) -> str:
    """One line: counts per kind and verb, then each status change with old and new status."""
    counts: Counter[tuple[str, str]] = Counter()
    statuses: list[str] = []
    for change in changes:
        if _status_changed(change):
            statuses.append(
                (
                    f"Status von '{_name(change, lang)}' geändert: "
                    if lang == "de"
                    else f"status of '{_name(change, lang)}' changed: "
                )
                + f"{_status(change, 'before', lang)} → {_status(change, 'after', lang)}"
            )
            continue
        counts[(change.change, _kind(change, lang)[0])] += 1
    parts = []
    for (verb, singular), count in sorted(counts.items(), key=lambda item: -item[1]):
        plural = next(
            (names[lang][1] for names in KINDS.values() if names[lang][0] == singular),
            OTHER[lang][1],
        )
        parts.append(f"{count} {singular if count == 1 else plural} {VERBS[lang][verb]}")
    parts += statuses[:5]
    if len(statuses) > 5:
        parts.append(f"+{len(statuses) - 5}")
    return ", ".join(parts)


def detail_lines(changes: list[Change], lang: str) -> list[str]:
    """The readable diff: one line per changed resource."""
    lines = []
    for change in changes[:MAX_LINES]:
        kind = _kind(change, lang)[0]
        line = f"{kind} '{_name(change, lang)}': {VERBS[lang][change.change]}"
        if change.status_before != change.status_after and change.change != "deleted":
            line += (
                f" (Status: {_status(change, 'before', lang)} → {_status(change, 'after', lang)})"
            )
        lines.append(line)
    if len(changes) > MAX_LINES:
        more = len(changes) - MAX_LINES
        lines.append(f"… {more} weitere" if lang == "de" else f"… {more} more")
    return lines


def _covered(changes: list[Change], scope: str | None) -> list[Change]:
    if scope is None:
        return changes
    return [c for c in changes if scope in c.scopes]


def atom_feed(
    journal: VersionJournal,
    scope: FeedScope,
    *,
    self_url: str,
    page_url: str,
    version_url: Callable[[int], str],
    link_of: Callable[[str], str],
    lang: str | None = None,
    limit: int = 50,
) -> tuple[bytes, dt.datetime | None]:
    """The feed as XML and its ``updated`` time (``lang`` None: both languages)."""
    languages = [lang] if lang else ["de", "en"]
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    if lang:
        root.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
    _text(root, "id", self_url)
    titles = {"de": scope.title_de, "en": scope.title_en}
    _text(root, "title", " / ".join(titles[x] for x in languages))
    _link(root, self_url, "self", ATOM_TYPE)
    _link(root, page_url, "alternate", "text/html")
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    _text(author, "name", "sozialgraph")
    _text(root, "generator", "sozialgraph")
    updated_element = _text(root, "updated", "")
    newest: dt.datetime | None = None
    count = 0
    for record in reversed(journal.records()):
        if count >= limit:
            break
        changes = _covered(journal.changes(record.number), scope.iri)
        if not changes:
            continue
        count += 1
        moment = _entry(root, record, changes, languages, version_url, link_of)
        newest = max(newest, moment) if newest else moment
    latest = journal.latest()
    stamp = newest or (latest.created_at if latest else dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    updated_element.text = _iso(stamp)
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body, newest


def _entry(
    root: ET.Element,
    record: VersionRecord,
    changes: list[Change],
    languages: list[str],
    version_url: Callable[[int], str],
    link_of: Callable[[str], str],
) -> dt.datetime:
    activity = record.activity
    entry = ET.SubElement(root, f"{{{ATOM}}}entry")
    _text(entry, "id", activity.iri if activity else version_url(record.number))
    _text(entry, "title", " / ".join(summary(changes, x) for x in languages))
    moment = _parse_time(activity.ended) if activity and activity.ended else None
    moment = moment or record.created_at
    _text(entry, "updated", _iso(moment))
    author = ET.SubElement(entry, f"{{{ATOM}}}author")
    _text(author, "name", (activity.agent if activity else "") or "sozialgraph")
    _link(entry, version_url(record.number), "alternate", "text/html")
    for change in changes[:MAX_LINKS]:
        if change.change != "deleted":
            _link(entry, link_of(change.iri), "related", "text/html", _name(change, languages[0]))
    html = []
    for lang in languages:
        items = "".join(f"<li>{escape(line)}</li>" for line in detail_lines(changes, lang))
        html.append(
            f'<div lang="{lang}"><p>{escape(summary(changes, lang))}</p><ul>{items}</ul></div>'
        )
    content = _text(entry, "content", "".join(html))
    content.set("type", "html")
    return moment


def _text(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = text
    return element


def _link(
    parent: ET.Element, href: str, rel: str, media_type: str, title: str | None = None
) -> None:
    element = ET.SubElement(parent, f"{{{ATOM}}}link", {"href": href, "rel": rel})
    element.set("type", media_type)
    if title:
        element.set("title", title)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _parse_time(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
