"""Typed results the store hands out (pydantic, so every edge can serialise them)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class Person(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    timezone: str
    created_at: datetime
    data_version: int


class Rejected(BaseModel):
    where: str
    reason: str


class DateRange(BaseModel):
    first: date
    last: date


class ImportSummary(BaseModel):
    """What one import did; `eqm import` prints it as JSON."""

    import_id: str | None  # None when the file added nothing new
    person: str
    file: str
    format: str
    records_read: int
    kept: int
    duplicates: int
    rejected: int
    rejected_by_reason: dict[str, int]
    rejections: list[Rejected]  # the first MAX_LISTED_REJECTIONS, in file order
    unknown_labels: dict[str, int]  # mood words not in the lexicon: kept, but not placed
    notes: list[str] = []  # how the file was read: what was left out, conventions assumed
    date_range: DateRange | None
    metrics: dict[str, int]  # records kept per metric
    days_rebuilt: int
    seconds: float
    megabytes: float  # the file's size (MB, 10^6 bytes)
    megabytes_per_second: float


MAX_LISTED_REJECTIONS = 100
