"""OParl objects as the import reads them, and the errors that say precisely where an answer
is not what the specification (or the import) needs: the object's URL and the field."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from sozialgraph.errors import Forbidden, SozialgraphError

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class OParlRefused(Forbidden):
    """The URL's host is not on the allow-list: nothing was requested."""

    title = "OParl host not allowed"


class OParlUnavailable(SozialgraphError):
    """The OParl server did not give a usable answer in time, within the size limit, or at all."""

    status = 502
    title = "OParl server unavailable"


class OParlMalformed(SozialgraphError):
    """An OParl object is not what the specification (or this import) needs; says where."""

    status = 422
    title = "Malformed OParl object"

    def __init__(self, url: str, field_name: str, problem: str, *, de: str) -> None:
        where = f"{url}, Feld/field '{field_name}'" if field_name else url
        super().__init__(f"{where}: {problem}", de=f"{where}: {de}")
        self.url = url
        self.field = field_name

    def details(self, lang: str) -> dict[str, object]:
        return {"url": self.url, "field": self.field}


@dataclass(frozen=True)
class OParlOrganization:
    url: str
    name: str
    short_name: str | None = None
    classification: str | None = None


@dataclass(frozen=True)
class OParlConsultation:
    url: str
    organizations: tuple[OParlOrganization, ...]
    role: str | None
    authoritative: bool
    date: dt.date | None
    result: str | None


@dataclass(frozen=True)
class OParlFile:
    url: str
    access_url: str
    name: str | None


@dataclass(frozen=True)
class OParlPaper:
    url: str
    reference: str | None
    date: dt.date | None
    name: str | None
    paper_type: str | None
    consultations: tuple[OParlConsultation, ...]
    files: tuple[OParlFile, ...]


@dataclass
class Harvest:
    """What one walk found: the papers, and notes on what was left out and why."""

    source: str
    papers: list[OParlPaper] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    requests: int = 0


# -- reading fields precisely -------------------------------------------------------------------


def object_kind(obj: dict[str, Any], url: str) -> str:
    """``System``, ``Body``, ``Paper`` … from ``type`` (``https://schema.oparl.org/1.x/Paper``)."""
    kind = text_field(obj, url, "type", required=True) or ""
    if not kind.startswith(("https://schema.oparl.org/1.", "http://schema.oparl.org/1.")):
        raise OParlMalformed(
            url,
            "type",
            f"{kind!r} is not an OParl 1.0/1.1 type",
            de=f"{kind!r} ist kein Typ von OParl 1.0/1.1",
        )
    return kind.rsplit("/", 1)[-1]


def json_object(url: str, body: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(body)
    except UnicodeDecodeError:
        raise OParlMalformed(url, "", "not UTF-8", de="kein UTF-8") from None
    except json.JSONDecodeError as error:
        text = f"not JSON ({error.msg}, line {error.lineno}, column {error.colno})"
        de = f"kein JSON ({error.msg}, Zeile {error.lineno}, Spalte {error.colno})"
        raise OParlMalformed(url, "", text, de=de) from None
    if not isinstance(obj, dict):
        raise OParlMalformed(url, "", "not a JSON object", de="kein JSON-Objekt")
    return obj


def text_field(obj: dict[str, Any], url: str, name: str, *, required: bool = False) -> str | None:
    value = obj.get(name)
    if value is None or value == "":
        if required:
            raise OParlMalformed(url, name, "is missing", de="fehlt")
        return None
    if not isinstance(value, str):
        raise OParlMalformed(
            url,
            name,
            f"must be a text, got {json.dumps(value)[:80]}",
            de=f"muss ein Text sein, ist {json.dumps(value)[:80]}",
        )
    return value.strip()


def url_field(obj: dict[str, Any], url: str, name: str) -> str:
    value = text_field(obj, url, name, required=True) or ""
    if not value.startswith(("http://", "https://")):
        raise OParlMalformed(
            url, name, f"must be a URL, got {value!r}", de=f"muss eine URL sein, ist {value!r}"
        )
    return value


def date_field(obj: dict[str, Any], url: str, name: str) -> dt.date | None:
    """A ``date`` (``2014-04-04``) or the day of a ``date-time`` field."""
    value = text_field(obj, url, name)
    if value is None:
        return None
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise OParlMalformed(
            url,
            name,
            f"must be a date YYYY-MM-DD, got {value!r}",
            de=f"muss ein Datum JJJJ-MM-TT sein, ist {value!r}",
        ) from None


def list_field(obj: dict[str, Any], url: str, name: str) -> list[Any]:
    value = obj.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise OParlMalformed(
            url,
            name,
            f"must be a list, got {json.dumps(value)[:80]}",
            de=f"muss eine Liste sein, ist {json.dumps(value)[:80]}",
        )
    return value


def checked_iri(value: str, url: str, name: str) -> str:
    """``value`` if it can be an IRI of the graph (it becomes a source or a subject)."""
    try:
        ox.NamedNode(value)
    except ValueError:
        raise OParlMalformed(
            url,
            name,
            f"{value[:120]!r} is not a valid IRI",
            de=f"{value[:120]!r} ist keine gültige IRI",
        ) from None
    return value
