"""Request bodies of writes: refused with 413 before they grow beyond the upload limit."""

from __future__ import annotations

from fastapi import Request

from sozialgraph.errors import PayloadTooLarge


async def read_body(request: Request, limit: int) -> bytes:
    """The body, streamed; a declared or actual size over ``limit`` bytes is a 413."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(
            f"the upload has {declared} bytes; at most {limit} are accepted",
            de=f"Die Datei hat {declared} Bytes; höchstens {limit} sind erlaubt",
        )
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise PayloadTooLarge(
                f"the upload is larger than {limit} bytes",
                de=f"Die Datei ist größer als {limit} Bytes",
            )
    return bytes(data)
