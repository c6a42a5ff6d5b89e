"""Per-key request budgets: a client that sends too much gets 429 with `Retry-After`.

`limits`' moving window over a storage URI: `memory://` for one API process, `redis://...`
so several processes share one budget per key.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from agent.errors import RateLimited


class RateLimiter:
    def __init__(self, rate: str, storage_uri: str = "memory://") -> None:
        """`rate` in `limits`' notation ("120/minute", "10/second;1000/day"); "" is no limit."""
        self.items: list[RateLimitItem] = parse_many(rate) if rate.strip() else []
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    def check(self, identity: str) -> None:
        """Count one request for `identity` (a key's hash, never the key); RateLimited when
        any budget is spent, with the seconds until the oldest request in it expires."""
        for item in self.items:
            if not self.limiter.hit(item, identity):
                reset_at, _ = self.limiter.get_window_stats(item, identity)
                wait = max(1, math.ceil(reset_at - time.time()))
                raise RateLimited(
                    f"this key sent more than {item.amount} requests per "
                    f"{item.get_expiry()} s; try again in {wait} s",
                    retry_after=wait,
                )
