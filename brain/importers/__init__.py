"""Importers for real life-log exports, recognised from their content.

`choose(path)` sniffs a file's first bytes, `choose(path, fmt)` takes the format by name
(the CLI's `--format`). Order matters: specific formats are tried before generic CSV.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from brain.errors import ImportFailed, UnknownFormat
from brain.importers.air_quality import AirQualityImporter
from brain.importers.apple_health import AppleHealthImporter
from brain.importers.bank import BankImporter
from brain.importers.base import FileSample, ImportContext, Importer, Parsed, Record, Rejection
from brain.importers.browser import BrowserHistoryImporter
from brain.importers.daylio import DaylioImporter
from brain.importers.events import EventsImporter
from brain.importers.generic_csv import LongCsvImporter, WideCsvImporter
from brain.importers.google_maps import GoogleMapsImporter
from brain.importers.how_we_feel import HowWeFeelImporter
from brain.importers.spotify import SpotifyImporter

IMPORTERS: tuple[Importer, ...] = (
    AppleHealthImporter(),
    HowWeFeelImporter(),
    DaylioImporter(),
    EventsImporter(),
    SpotifyImporter(),
    GoogleMapsImporter(),
    BrowserHistoryImporter(),
    BankImporter(),
    AirQualityImporter(),
    LongCsvImporter(),
    WideCsvImporter(),
)
FORMATS: dict[str, Importer] = {importer.name: importer for importer in IMPORTERS}
_SNIFF_BYTES = 64 * 1024


def sample_file(path: Path) -> FileSample:
    """The start of the file for sniffing; raises ImportFailed for a missing or empty file."""
    if not path.is_file():
        raise ImportFailed(f"{path} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise ImportFailed(f"{path.name} is empty")
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    names: tuple[str, ...] = ()
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = tuple(archive.namelist())
        except zipfile.BadZipFile as e:
            raise ImportFailed(f"{path.name} is a damaged zip archive: {e}") from None
    elif head.startswith(b"PK"):
        raise ImportFailed(f"{path.name} looks like a zip archive but is damaged or truncated")
    return FileSample(path, head, names)


def importer_for(name: str) -> Importer:
    try:
        return FORMATS[name]
    except KeyError:
        raise UnknownFormat(
            f"unknown format {name!r}; choose one of: {', '.join(FORMATS)}"
        ) from None


def choose(path: Path, fmt: str | None = None) -> Importer:
    """The importer for `path`: the one named by `fmt`, else the one its content matches.

    Either way the file must exist and hold something.
    """
    sample = sample_file(path)
    if fmt:
        return importer_for(fmt)
    for importer in IMPORTERS:
        if importer.sniff(sample):
            return importer
    known = "; ".join(f"{i.name} ({i.description})" for i in IMPORTERS)
    raise UnknownFormat(
        f"could not recognise the format of {path.name}. EQM reads: {known}. "
        "Pass --format to choose one."
    )


__all__ = [
    "FORMATS",
    "IMPORTERS",
    "FileSample",
    "ImportContext",
    "Importer",
    "Parsed",
    "Record",
    "Rejection",
    "choose",
    "importer_for",
    "sample_file",
]
