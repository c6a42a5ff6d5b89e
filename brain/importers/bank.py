"""Bank and payment exports (CSV or Excel .xlsx): what a person spends, day by day.

Columns are found by name (Monzo, Revolut, Starling, N26, Chase, Amex and most others name
them alike); `--columns role=Column` names any the guess misses (roles: date, time, amount,
debit, credit, description, category, currency, type, status).

Money out is spending, money in is not. With separate money-out and money-in columns that is
plain; with one signed amount column, a type saying debit or credit decides, else the sign
most rows have is taken as money out (a bank account shows purchases as negative, a card
statement as positive; the summary says which was assumed). Transfers between one's
own accounts (type or category "transfer", "savings", "pot", "top up") and declined or
reverted payments are not spending.

Each payment out gives `spend` (in the account's currency: rows in another currency are
rejected with the reason), one `transactions`, `spend_<category>` where the export has
categories, and one `impulse_purchases` when it is an impulse purchase by this rule:
at most `IMPULSE_MAX_AMOUNT` in the account's currency, in a discretionary category
(`DISCRETIONARY`), made between 21:00 and 04:00 local time. Exports without times or
categories get no impulse count, and the summary says so. Every day from the first payment
to the last has each of these metrics, zero on days without a payment.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import ClassVar

from dateutil import parser as dateparser

from brain.errors import ImportFailed
from brain.importers.base import (
    FileSample,
    ImportContext,
    Note,
    Parsed,
    Record,
    Rejection,
    zero_days,
)
from brain.importers.text import csv_rows, normalise_column
from brain.metrics import SPEND_BY_CATEGORY, snake_case

DEVICE = "bank"
IMPULSE_MAX_AMOUNT = 40.0
IMPULSE_HOURS = frozenset({21, 22, 23, 0, 1, 2, 3})
# words (of a snake_cased category, type or status) that decide what a payment is
DISCRETIONARY = frozenset(
    {
        *("shopping", "entertainment", "eating_out", "takeaway", "takeaways", "take_away"),
        *("restaurant", "restaurants", "fast_food", "games", "gaming", "gambling"),
        *("clothing", "clothes", "electronics", "hobbies", "leisure"),
    }
)
_NOT_SPENDING = frozenset(
    {"transfer", "transfers", "savings", "pot", "pots", "top_up", "topup", "exchange", "refund"}
)
_NOT_SETTLED = frozenset({"declined", "reverted", "failed", "cancelled", "canceled", "pending"})
_OUT_TYPES = frozenset({"debit", "dbit", "withdrawal", "purchase"})
_IN_TYPES = frozenset({"credit", "crdt", "deposit"})

# role -> column names that mean it (normalised: lower case, single spaces), first wins
_COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "date": (
        "date",
        "transaction date",
        "booking date",
        "posted date",
        "posting date",
        "started date",
        "completed date",
        "value date",
        "trans. date",
    ),
    "time": ("time", "transaction time"),
    "amount": ("amount", "transaction amount", "amount (eur)", "amount (gbp)", "amount (usd)"),
    "debit": ("money out", "paid out", "debit", "debit amount", "withdrawals", "withdrawal"),
    "credit": ("money in", "paid in", "credit", "credit amount", "deposits", "deposit"),
    "description": (
        "name",
        "merchant",
        "description",
        "payee",
        "counterparty",
        "narrative",
        "details",
        "memo",
    ),
    "category": ("category", "spending category"),
    "currency": ("currency", "local currency"),
    "type": ("type", "transaction type", "details type"),
    "status": ("state", "status"),
}
ROLES = tuple(_COLUMN_NAMES)
_MONEY = re.compile(r"^[-+]?\d+(?:\.\d+)?$")


def parse_columns(text: str) -> dict[str, str]:
    """`'date=Booking Date,amount=Betrag'` -> {'date': 'Booking Date', 'amount': 'Betrag'}."""
    roles: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        role, sep, column = part.partition("=")
        if not sep or not role.strip() or not column.strip():
            raise ValueError(f"{part!r} is not role=Column")
        if role.strip() not in ROLES:
            raise ValueError(f"unknown role {role.strip()!r}; roles are: {', '.join(ROLES)}")
        roles[role.strip()] = column.strip()
    return roles


def _columns(header: Iterable[str], overrides: Mapping[str, str]) -> dict[str, str]:
    """role -> the header's column, by name or as `overrides` say."""
    unknown = set(overrides) - set(ROLES)
    if unknown:
        raise ImportFailed(f"unknown column roles {sorted(unknown)}; roles are: {', '.join(ROLES)}")
    written = {normalise_column(c): c for c in header if c}
    found: dict[str, str] = {}
    for role, names in _COLUMN_NAMES.items():
        if role in overrides:
            wanted = normalise_column(overrides[role])
            if wanted not in written:
                raise ImportFailed(
                    f"--columns {role}={overrides[role]!r}: the file has no such column; it has "
                    + ", ".join(repr(c) for c in written.values())
                )
            found[role] = written[wanted]
            continue
        column = next((written[n] for n in names if n in written), None)
        if column is not None and column not in found.values():
            found[role] = column
    return found


def looks_like_bank_export(columns: Iterable[str]) -> bool:
    """A date, money columns and what the money was for: a payment export, not a daily log."""
    roles = _columns(columns, {})
    return (
        "date" in roles
        and ("amount" in roles or "debit" in roles)
        and ("description" in roles or "category" in roles)
    )


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    cells: dict[str, str]  # role -> text

    @property
    def where(self) -> str:
        return f"line {self.line}"


class BankImporter:
    name: ClassVar[str] = "bank"
    description: ClassVar[str] = "bank or card transactions, CSV or Excel (.xlsx)"

    def sniff(self, sample: FileSample) -> bool:
        if "xl/workbook.xml" in sample.zip_names:
            return True
        return looks_like_bank_export(sample.csv_columns)

    def parse(self, path: Path, ctx: ImportContext) -> Iterator[Parsed]:
        header, rows = _read_table(path, ctx)
        roles = _columns(header, ctx.columns)
        if "date" not in roles or not ({"amount", "debit"} & roles.keys()):
            raise ImportFailed(
                f"{path.name}: could not find the date and amount columns (found "
                f"{', '.join(f'{k}={v!r}' for k, v in roles.items()) or 'none'}); name them "
                "with --columns date=...,amount=... (or debit=... and credit=...)"
            )
        table = [
            _Row(line, {role: cells.get(column) or "" for role, column in roles.items()})
            for line, cells in rows
        ]
        yield from _payments(table, roles.keys(), ctx)


Table = tuple[list[str], list[tuple[int, dict[str, str]]]]  # the header, (line, row) pairs


def _read_table(path: Path, ctx: ImportContext) -> Table:
    """The header and every (line, row) of a CSV file or an .xlsx workbook's first sheet."""
    if path.suffix.lower() in (".xlsx", ".xlsm") or zipfile.is_zipfile(path):
        return _read_workbook(path)
    rows = list(csv_rows(path, ctx))
    header = list(rows[0][1]) if rows else []
    return header, rows


def _read_workbook(path: Path) -> Table:
    from openpyxl import load_workbook  # only for .xlsx files

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFailed(f"{path.name} is not a workbook EQM can read: {e}") from None
    try:
        sheet = book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(lines, ())]
        rows = [
            (line, {h: _cell_text(c) for h, c in zip(header, cells, strict=False) if h})
            for line, cells in enumerate(lines, start=2)
            if any(c is not None for c in cells)
        ]
    finally:
        book.close()
    return header, rows


def _cell_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    return str(cell)


def parse_money(raw: str) -> float | None:
    """An amount as banks write it: "-12.50", "£1,234.56", "1.234,56", "(12.50)"; None if blank.

    Raises ValueError for text that is not an amount.
    """
    text = re.sub(r"[^\d,.\-+()]", "", raw.strip())
    if not text:
        if raw.strip():
            raise ValueError(f"{raw.strip()!r} is not an amount")
        return None
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    if "," in text and "." in text:  # the later one is the decimal mark
        thousands = "," if text.rindex(",") < text.rindex(".") else "."
        text = text.replace(thousands, "").replace(",", ".")
    elif "," in text:  # 12,50 is a decimal comma; 1,234 a thousands separator
        head, _, tail = text.rpartition(",")
        text = f"{head.replace(',', '')}.{tail}" if len(tail) != 3 else text.replace(",", "")
    if not _MONEY.match(text):
        raise ValueError(f"{raw.strip()!r} is not an amount")
    value = float(text)
    return -value if negative else value


def _has(value: str, words: Iterable[str]) -> bool:
    """Whether `value` holds one of `words` as whole words ("Pot transfer" has "pot")."""
    name = f"_{snake_case(value)}_"
    return any(f"_{word}_" in name for word in words)


def _payments(rows: list[_Row], roles: Iterable[str], ctx: ImportContext) -> Iterator[Parsed]:
    roles = set(roles)
    amounts: list[tuple[_Row, float]] = []
    for row in rows:
        try:
            amount = _signed_amount(row, roles)
        except ValueError as e:
            yield Rejection(row.where, str(e), "not_a_number")
            continue
        if amount is not None:
            amounts.append((row, amount))
    out_is_negative = True
    if "amount" in roles and "debit" not in roles:
        signs = Counter(amount < 0 for _, amount in amounts if amount)
        out_is_negative = signs[True] >= signs[False]
        yield Note(
            "Amounts below zero were read as money out (a bank account's convention)."
            if out_is_negative
            else "Amounts above zero were read as money out (a card statement's convention: "
            "most rows are positive)."
        )
    day_first = _day_first(row.cells["date"] for row, _ in amounts)
    currency = next((r.cells["currency"] for r, _ in amounts if r.cells.get("currency")), "")
    lacking = [
        what
        for what, has in (
            ("categories", "category" in roles),
            ("times of day", "time" in roles or _dates_have_times(amounts)),
        )
        if not has
    ]
    if lacking:
        yield Note(f"No impulse-purchase count: the export has no {' or '.join(lacking)}.")
    seen: Counter[tuple] = Counter()
    days: set[date] = set()
    categories: set[str] = set()
    for row, amount in amounts:
        if _has(row.cells.get("status", ""), _NOT_SETTLED):
            continue
        is_out = _is_out(row, amount, out_is_negative)
        if (
            not is_out
            or _has(row.cells.get("type", ""), _NOT_SPENDING)
            or _has(row.cells.get("category", ""), _NOT_SPENDING)
        ):
            continue
        if row.cells.get("currency") and currency and row.cells["currency"] != currency:
            yield Rejection(
                row.where,
                f"paid in {row.cells['currency']}, not the account's {currency}: EQM adds up "
                "one currency",
                "other_currency",
            )
            continue
        try:
            at, timed = _when(row, ctx, day_first)
        except ValueError as e:
            yield Rejection(row.where, str(e), "bad_date")
            continue
        description = row.cells.get("description", "").strip() or None
        key = (at, abs(amount), description)
        seen[key] += 1
        text = description if seen[key] == 1 else f"{description or ''} ({seen[key]})"
        days.add(at.date())
        categories.add(row.cells.get("category", "").strip())
        yield from _payment_records(row, at, timed, abs(amount), currency or None, text)
    if days:
        unit = currency or None
        metrics = [("spend", unit), ("transactions", "count")]
        metrics += [(SPEND_BY_CATEGORY + snake_case(c), unit) for c in sorted(categories) if c]
        if not lacking:
            metrics.append(("impulse_purchases", "count"))
        yield from zero_days(metrics, min(days), max(days), DEVICE)


def _payment_records(
    row: _Row, at: datetime, timed: bool, amount: float, currency: str | None, text: str | None
) -> Iterator[Record]:
    day, where, device = at.date(), row.where, DEVICE
    yield Record("spend", day, amount, currency, text, at, None, device, where)
    yield Record("transactions", day, 1.0, "count", text, at, None, device, where)
    category = row.cells.get("category", "").strip()
    if category:
        metric = SPEND_BY_CATEGORY + snake_case(category)
        yield Record(metric, day, amount, currency, text, at, None, device, where)
    if (
        timed
        and category
        and amount <= IMPULSE_MAX_AMOUNT
        and at.hour in IMPULSE_HOURS
        and _has(category, DISCRETIONARY)
    ):
        yield Record("impulse_purchases", day, 1.0, "count", text, at, None, device, where)


def _signed_amount(row: _Row, roles: set[str]) -> float | None:
    """The row's amount; with money-out and money-in columns, out is negative."""
    if "debit" in roles:
        out = parse_money(row.cells.get("debit", ""))
        if out:
            return -abs(out)
        paid_in = parse_money(row.cells.get("credit", ""))
        if paid_in is not None:
            return abs(paid_in)
        if "amount" not in roles:
            return None
    return parse_money(row.cells.get("amount", ""))


def _is_out(row: _Row, amount: float, out_is_negative: bool) -> bool:
    """Money out: by a type that says debit or credit, else by the amount's sign."""
    kind = row.cells.get("type", "")
    if "debit" not in row.cells and _has(kind, _OUT_TYPES):
        return amount != 0
    if "debit" not in row.cells and _has(kind, _IN_TYPES):
        return False
    return amount < 0 if out_is_negative else amount > 0


def _day_first(dates: Iterable[str]) -> bool:
    """Whether numeric dates put the day first (31/01/2026): decided by the whole column, as
    one row alone (01/02/2026) cannot say."""
    for text in dates:
        parts = re.match(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}", text)
        if parts:
            first, second = int(parts[1]), int(parts[2])
            if first > 12:
                return True
            if second > 12:
                return False
    return True  # most of the world writes the day first


def _dates_have_times(amounts: list[tuple[_Row, float]]) -> bool:
    return any(re.search(r"\d:\d\d", row.cells["date"]) for row, _ in amounts[:50])


def _when(row: _Row, ctx: ImportContext, day_first: bool) -> tuple[datetime, bool]:
    """The payment's local time, and whether the export gave its time of day (a date alone
    is placed at midnight and never counts as late)."""
    text = row.cells["date"].strip()
    if row.cells.get("time", "").strip():
        text = f"{text.split(' ')[0]} {row.cells['time'].strip()}"
    if not text:
        raise ValueError("the date is empty")
    try:
        parsed = (
            datetime.fromisoformat(text)
            if re.match(r"^\d{4}-\d\d-\d\d", text)
            else dateparser.parse(text, dayfirst=day_first)
        )
    except (ValueError, OverflowError):
        raise ValueError(f"{text!r} is not a date") from None
    timed = re.search(r"\d:\d\d", text) is not None
    at = parsed if parsed.tzinfo else parsed.replace(tzinfo=ctx.tz)
    at = at.astimezone(ctx.tz)
    return (at if timed else datetime.combine(at.date(), time(), ctx.tz)), timed
