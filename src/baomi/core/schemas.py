"""Types shared by the API's input schemas."""

from __future__ import annotations

from typing import Annotated

from ninja import Field

# Ids as the database can hold them: larger numbers are refused as bad input (422), never
# reaching the database as an overflow (a server error).
Id = Annotated[int, Field(ge=1, le=2**62)]
