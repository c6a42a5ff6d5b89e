"""Local wall-clock time in Alex's zone (Europe/Berlin), DST included.

Every simulated event is placed by local clock time and stored as epoch seconds; these helpers
convert between the two and give each day its waking window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from brain.demo.params import TZ


@dataclass(frozen=True, slots=True)
class Window:
    """A day's waking time as local clock seconds after a midnight that is valid after 03:00.

    Europe/Berlin changes clocks at 02:00/03:00, so one offset holds from wake to midnight.
    """

    day: date
    zero: int
    start: int
    end: int

    def at(self, clock_s: float) -> int:
        """Epoch seconds of a local clock time (seconds after midnight) on this day."""
        return self.zero + round(clock_s)


def waking_window(day: date, wake: int, next_onset: int) -> Window:
    """Waking time of `day`: from wake to the next onset, cut at midnight (events stay on day)."""
    zero = local_instant(day, 12.0) - 12 * 3600
    midnight = local_instant(day + timedelta(days=1), 0.0)
    return Window(day, zero, wake - zero, min(next_onset, midnight) - zero)


def local_instant(day: date, hours: float) -> int:
    """Epoch seconds of the local wall-clock time `hours` after the midnight starting `day`.

    Wall times inside the spring-forward gap resolve with the pre-transition offset.
    """
    wall = datetime(day.year, day.month, day.day) + timedelta(seconds=round(hours * 3600))
    return int(wall.replace(tzinfo=TZ).timestamp())


def clock_hours(ts: int, day: date) -> float:
    """Local clock time of an instant in hours from the midnight starting `day` (may be < 0)."""
    local = datetime.fromtimestamp(ts, TZ)
    offset_days = (local.date() - day).days
    return 24 * offset_days + local.hour + local.minute / 60 + local.second / 3600


def local_date(ts: int) -> date:
    """The Europe/Berlin calendar date of an instant."""
    return datetime.fromtimestamp(ts, TZ).date()
