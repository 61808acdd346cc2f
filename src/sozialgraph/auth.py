"""Write tokens: ``SOZIALGRAPH_WRITE_TOKENS`` = ``name:token,name:token`` (or bare tokens).

Tokens are kept only as SHA-256 digests and compared in constant time; provenance records and
logs name the token's *name*, never the token (RELIABILITY.md).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sozialgraph.errors import Forbidden, InvalidSetting, Unauthorized

#: Shortest write token accepted at start: short tokens can be guessed.
MIN_TOKEN_LENGTH = 16


@dataclass(frozen=True)
class WriteToken:
    name: str
    digest: bytes


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def parse_tokens(setting: str) -> list[WriteToken]:
    tokens = []
    for number, item in enumerate((part.strip() for part in setting.split(",")), start=1):
        if not item:
            continue
        name, separator, secret = item.partition(":")
        if not separator:
            name, secret = f"token-{number}", item
        if not secret:
            continue
        if len(secret.strip()) < MIN_TOKEN_LENGTH:
            raise InvalidSetting(
                f"SOZIALGRAPH_WRITE_TOKENS: the token named {name.strip() or f'token-{number}'!r} "
                f"has fewer than {MIN_TOKEN_LENGTH} characters; use a long random token "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        tokens.append(WriteToken(name.strip() or f"token-{number}", _digest(secret.strip())))
    return tokens


def authenticate(authorization: str | None, tokens: list[WriteToken]) -> str:
    """The name of the token in ``Authorization: Bearer …``; 401 without, 403 if wrong."""
    if not authorization:
        raise Unauthorized(
            "writing needs 'Authorization: Bearer <token>'",
            de="Schreiben braucht 'Authorization: Bearer <Token>'",
        )
    scheme, _, credential = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthorized(
            "only 'Authorization: Bearer <token>' is accepted",
            de="Nur 'Authorization: Bearer <Token>' wird angenommen",
        )
    offered = _digest(credential.strip())
    match = None
    for token in tokens:  # compare with every token, so timing does not tell which one matched
        if hmac.compare_digest(offered, token.digest):
            match = token
    if match is None:
        raise Forbidden("this token may not write", de="Dieses Token darf nicht schreiben")
    return match.name
