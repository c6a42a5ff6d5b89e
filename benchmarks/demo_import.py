"""Import of the two-year demo data set, every format: seconds per file and in total.

    .venv/bin/python benchmarks/demo_import.py [--days 730] [--database-url URL]

Generates the demo exports (eqm demo-data) into a temporary folder, imports each into a
fresh store (SQLite unless --database-url says otherwise), and prints a table.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from brain.demo import generate
from brain.demo.params import TZ
from brain.store import Store


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--database-url", help="default: a new SQLite file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as work:
        started = time.perf_counter()
        paths = generate(Path(work) / "demo", days=args.days)
        generated = time.perf_counter() - started
        url = args.database_url or f"sqlite:///{work}/eqm.sqlite3"
        rows = []
        with Store.open(url) as store:
            for path in paths:
                started = time.perf_counter()
                summary = store.import_file("alex", path, timezone=TZ.key)
                seconds = time.perf_counter() - started
                rows.append((summary.format, path.stat().st_size / 1e6, summary.kept, seconds))
    print(f"\nDemo data set, {args.days} days (generated in {generated:.1f} s)\n")
    print("| format | MB | records kept | seconds |\n| --- | ---: | ---: | ---: |")
    for name, megabytes, kept, seconds in rows:
        print(f"| {name} | {megabytes:.1f} | {kept:,} | {seconds:.2f} |")
    total = sum(r[3] for r in rows)
    print(
        f"| **all formats** | {sum(r[1] for r in rows):.1f} | {sum(r[2] for r in rows):,} "
        f"| **{total:.2f}** |"
    )


if __name__ == "__main__":
    main()
