"""Reading the text parts of exports: encodings, CSV rows, numbers, durations, timestamps."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime, tzinfo
from pathlib import Path

from dateutil import parser as dateparser

from brain.errors import ImportFailed
from brain.importers.base import ImportContext

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def sniff_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or BOM-marked UTF-16, as spreadsheet apps write them."""
    with path.open("rb") as f:
        head = f.read(4)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return "utf-8"


def csv_rows(path: Path, ctx: ImportContext) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row, keyed by the header's column names.

    Raises ImportFailed for a file that is empty, has no header, or is not UTF-8, naming the
    line where decoding failed.
    """
    encoding = sniff_encoding(path)
    with io.TextIOWrapper(ctx.open(path), encoding=encoding, errors="strict", newline="") as f:
        reader = csv.DictReader(f)
        try:
            if not reader.fieldnames:
                raise ImportFailed(f"{path.name} is empty: no header row")
            for row in reader:
                yield reader.line_num, {k: v for k, v in row.items() if k is not None}
        except UnicodeDecodeError:
            offset, line, byte = first_undecodable_byte(path, encoding)
            raise ImportFailed(
                f"{path.name} is not UTF-8 text: byte 0x{byte:02x} on line {line} (offset "
                f"{offset}) cannot be decoded; export it again as UTF-8"
            ) from None
        except csv.Error as e:
            raise ImportFailed(
                f"{path.name}: malformed CSV at line {reader.line_num}: {e}"
            ) from None


def first_undecodable_byte(path: Path, encoding: str) -> tuple[int, int, int]:
    """(offset, line, byte value) of the first byte that does not decode, read in chunks."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, lines = 0, 1
    with path.open("rb") as f:
        while chunk := f.read(1 << 16):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                # the decoder may hold back up to 3 bytes of the previous chunk
                bad = max(e.start - len(e.object) + len(chunk), 0)
                return offset + bad, lines + chunk[:bad].count(b"\n"), chunk[bad]
            offset += len(chunk)
            lines += chunk.count(b"\n")
    return offset, lines, 0


def column_lookup(fieldnames: list[str]) -> dict[str, str]:
    """Normalised column name -> the name as written, to find columns by name not position."""
    return {normalise_column(name): name for name in fieldnames}


def normalise_column(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lstrip("\ufeff").lower())


_NUMBER = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")


def parse_number(raw: str) -> float | None:
    """A plain number as people write it ("1,234", "7.5", "120 mg"); None when blank.

    Raises ValueError for text that is not a number.
    """
    text = raw.strip()
    if not text:
        return None
    text = re.sub(r"\s*[a-zA-Z%°/()]+\.?$", "", text).strip()  # trailing unit: "120 mg", "45 min"
    if not text or not _NUMBER.match(text):
        raise ValueError(f"{raw.strip()!r} is not a number")
    return float(text.replace(",", ""))


_DURATION = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*m(?:in(?:utes?)?)?)?$"
)


def parse_hours(raw: str) -> float | None:
    """A duration in hours from "7h 32m", "7:32", "45m" or a plain number of hours."""
    text = raw.strip().lower()
    if not text:
        return None
    if ":" in text:
        hours, _, minutes = text.partition(":")
        if hours.isdigit() and minutes.isdigit():
            return int(hours) + int(minutes) / 60
        raise ValueError(f"{raw.strip()!r} is not a duration")
    match = _DURATION.match(text)
    if match and (match["h"] or match["m"]):
        return float(match["h"] or 0) + float(match["m"] or 0) / 60
    return parse_number(text)


def parse_local_datetime(raw: str, tz: tzinfo) -> datetime:
    """A timestamp as written in an export; naive ones are in the person's time zone.

    Raises ValueError with the text when it cannot be read.
    """
    text = raw.strip()
    if not text:
        raise ValueError("the timestamp is empty")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = dateparser.parse(text)
        except (ValueError, ArithmeticError):
            raise ValueError(f"{text!r} is not a date/time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def parse_date(raw: str) -> date:
    """A calendar date ("2026-05-17", "17/05/2026", "May 17, 2026")."""
    text = raw.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dateparser.parse(text).date()
    except (ValueError, ArithmeticError):
        raise ValueError(f"{text!r} is not a date") from None
