"""Who calls: API keys as stored, and what a key holder learns about themselves."""

import datetime as dt

from pydantic import BaseModel, Field


class ApiKey(BaseModel):
    """An API key as stored: never the key itself, only its hash."""

    key_id: str
    principal: str | None = Field(default=None, description="the holder's stable id, shared by their rotated keys")
    name: str = Field(description="the holder's name, unique")
    role: str
    departments: list[str] = Field(description="department codes, or ['*'] for an admin of every department")
    created_at: dt.datetime
    revoked: bool = False
    expires_at: dt.datetime | None = Field(
        default=None, description="refused from then on; none: a key made before keys expired"
    )


class Me(BaseModel):
    """GET /api/me: who the key belongs to, so a console shows only what its holder may do."""

    principal: str | None = Field(description="the holder's stable id; null when signed out")
    name: str
    role: str
    departments: list[str] = Field(description="department codes acted for, units under them included; '*': all")
