"""Apple Health import throughput and peak memory, next to healthkit-to-sqlite on the same file.

    .venv/bin/python benchmarks/apple_health_import.py --mb 500

Writes a realistic export.xml of about --mb megabytes (phone + watch steps, heart rate with
metadata, HRV, sleep stages, exercise time, and types EQM ignores), then times
`eqm import` and `healthkit-to-sqlite --xml` on it, each in its own process with a fresh
database, and prints a table: seconds, MB/s, peak RSS. Install the comparison tool with
`.venv/bin/pip install -e ".[bench]"`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

WATCH = (
    'sourceName="Alex’s Apple Watch" sourceVersion="10.1" device="&lt;&lt;HKDevice: '
    "0x28329e6c0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:"
    'Watch6,1, software:10.1&gt;"'
)
PHONE = (
    'sourceName="Alex’s iPhone" sourceVersion="17.4" device="&lt;&lt;HKDevice: 0x28329e6d0&gt;, '
    'name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone14,5, software:17.4&gt;"'
)
HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record type CDATA #REQUIRED unit CDATA #IMPLIED value CDATA #IMPLIED
  sourceName CDATA #REQUIRED sourceVersion CDATA #IMPLIED device CDATA #IMPLIED
  creationDate CDATA #IMPLIED startDate CDATA #REQUIRED endDate CDATA #REQUIRED>
]>
<HealthData locale="en_US">
 <ExportDate value="2026-10-31 21:00:00 +0100"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-01-01"/>
"""


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S +0100")


def write_export(path: Path, megabytes: int, seed: int = 1) -> None:
    """About `megabytes` of export, one day after another, streamed to disk."""
    rng = np.random.default_rng(seed)
    target = megabytes * 1_000_000
    day = datetime(2010, 1, 1)  # ~5,000 days for 500 MB: all of them in the past
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER)
        while f.tell() < target:
            lines = []
            for slot in range(7 * 4, 23 * 4):  # waking quarter hours
                start = day + timedelta(minutes=15 * slot)
                end = start + timedelta(minutes=15)
                lines.append(
                    f' <Record type="HKQuantityTypeIdentifierStepCount" {WATCH} unit="count" '
                    f'creationDate="{stamp(end)}" startDate="{stamp(start)}" '
                    f'endDate="{stamp(end)}" value="{rng.integers(0, 900)}"/>'
                )
                hr_at = start + timedelta(minutes=int(rng.integers(0, 15)))
                lines.append(
                    f' <Record type="HKQuantityTypeIdentifierHeartRate" {WATCH} '
                    f'unit="count/min" creationDate="{stamp(hr_at)}" startDate="{stamp(hr_at)}" '
                    f'endDate="{stamp(hr_at)}" value="{rng.integers(55, 120)}">\n'
                    '  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n'
                    " </Record>"
                )
                lines.append(
                    f' <Record type="HKQuantityTypeIdentifierActiveEnergyBurned" {WATCH} '
                    f'unit="kcal" creationDate="{stamp(end)}" startDate="{stamp(start)}" '
                    f'endDate="{stamp(end)}" value="{rng.uniform(1, 30):.3f}"/>'
                )
                if slot % 4 == 0:
                    hour_end = start + timedelta(hours=1)
                    lines.append(
                        f' <Record type="HKQuantityTypeIdentifierStepCount" {PHONE} '
                        f'unit="count" creationDate="{stamp(hour_end)}" '
                        f'startDate="{stamp(start)}" endDate="{stamp(hour_end)}" '
                        f'value="{rng.integers(0, 3000)}"/>'
                    )
            onset = day - timedelta(minutes=int(rng.integers(30, 90)))
            for stage in ("Core", "Deep", "Core", "REM", "Awake", "Core", "REM"):
                stop = onset + timedelta(minutes=int(rng.integers(20, 90)))
                lines.append(
                    f' <Record type="HKCategoryTypeIdentifierSleepAnalysis" {WATCH} '
                    f'creationDate="{stamp(stop)}" startDate="{stamp(onset)}" '
                    f'endDate="{stamp(stop)}" value="HKCategoryValueSleepAnalysis'
                    f'{"Awake" if stage == "Awake" else "Asleep" + stage}"/>'
                )
                onset = stop
            f.write("\n".join(lines) + "\n")
            day += timedelta(days=1)
        f.write("</HealthData>\n")


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[0]} failed with status {status}")
    return seconds, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=500, help="size of the export to generate")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--skip-baseline", action="store_true", help="only time EQM")
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    export = args.out / f"export_{args.mb}mb.xml"
    if not export.exists():
        print(f"writing {export} ...", file=sys.stderr)
        write_export(export, args.mb)
    size_mb = export.stat().st_size / 1e6
    bin_dir = Path(sys.executable).parent
    rows = []
    with tempfile.TemporaryDirectory(dir=args.out) as work:
        env = {**os.environ, "EQM_DATA_DIR": str(Path(work) / "eqm")}
        env.pop("EQM_DATABASE_URL", None)
        command = [str(bin_dir / "eqm"), "import", str(export), "--user", "bench"]
        rows.append(("eqm import", *measure(command, env)))
        baseline = shutil.which("healthkit-to-sqlite", path=str(bin_dir))
        if baseline and not args.skip_baseline:
            command = [baseline, "--xml", "--silent", str(export), str(Path(work) / "hk.db")]
            rows.append(("healthkit-to-sqlite", *measure(command, env)))
    print(f"\nApple Health export.xml of {size_mb:.0f} MB\n")
    print("| tool | seconds | MB/s | peak RSS (MB) |\n| --- | ---: | ---: | ---: |")
    for name, seconds, rss in rows:
        print(f"| {name} | {seconds:.1f} | {size_mb / seconds:.1f} | {rss:.0f} |")
    if len(rows) == 2:
        print(f"\nEQM is {rows[1][1] / rows[0][1]:.1f}x the speed of healthkit-to-sqlite.")


if __name__ == "__main__":
    main()
