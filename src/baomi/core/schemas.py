"""Types shared by the API's input schemas."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field

# Ids as the database can hold them: larger numbers are refused as bad input (422), never
# reaching the database as an overflow (a server error).
Id = Annotated[int, Field(ge=1, le=2**62)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def file_response(*content_types: str) -> dict[str, Any]:
    """`openapi_extra` for an operation that answers with a file, not JSON (pair it with
    `response={200: None}`), so the published schema says what really comes back."""
    return {"responses": {200: {"description": "OK", "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                                                 for t in content_types}}}}
