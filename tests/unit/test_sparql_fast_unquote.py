"""The fast path's percent-decoding (``sparql_fast._unquote_plus``) gives what ``unquote_plus``
gives, for well-formed and malformed escapes, ``+``, ``=``, line breaks and non-ASCII text."""

from __future__ import annotations

import random
from urllib.parse import quote_plus, unquote_plus

import pytest

from sozialgraph.web.sparql_fast import _unquote_plus

PIECES = [*"%%%+=aF0e9z \t\r\n_.~<>{}?:/;&#\\\"'\x00\x7fä€"]
ESCAPES = ["%e4", "%C3%A4", "%E2%82%AC", "%ff", "%80", "%20", "%0A", "%3D", "%25", "%2B", "%3"]


@pytest.mark.parametrize(
    "value",
    [
        quote_plus(
            "SELECT ?t WHERE { <https://example.org/a> <http://purl.org/dc/terms/title> ?t }"
        ),
        quote_plus('ASK { ?s ?p "Straße = 3"@de }') + "+LIMIT+3",
        "a%zzb",
        "100%",
        "x=y",
        "%C3",
        "caf%C3%A9+%E2%82%AC",
        "",
    ],
)
def test_known_values_decode_as_unquote_plus(value: str) -> None:
    assert _unquote_plus(value) == unquote_plus(value)


def test_random_values_decode_as_unquote_plus() -> None:
    chance = random.Random(20)
    for _ in range(20_000):
        value = "".join(
            chance.choice(PIECES if chance.random() < 0.5 else ESCAPES)
            for _ in range(chance.randint(0, 12))
        )
        assert _unquote_plus(value) == unquote_plus(value), repr(value)
