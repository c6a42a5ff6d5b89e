"""Apple Health import throughput and peak memory, next to healthkit-to-sqlite on the same file.

    .venv/bin/python benchmarks/apple_health_import.py --mb 500

Writes a realistic export.xml of about --mb megabytes, shaped like a real Apple Watch and
iPhone export (~600 KB a day, ~800 days for 500 MB): energy burned every minute, distance and
stand time, which EQM ignores, beside steps from both devices, heart rate with its metadata,
HRV with its beat list, exercise minutes and sleep stages. It then times
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


def _record(kind: str, source: str, unit: str, start: datetime, end: datetime, value: str) -> str:
    unit_attr = f'unit="{unit}" ' if unit else ""
    return (
        f' <Record type="{kind}" {source} {unit_attr}creationDate="{stamp(end)}" '
        f'startDate="{stamp(start)}" endDate="{stamp(end)}" value="{value}"'
    )


def _day(rng: np.random.Generator, day: datetime) -> list[str]:
    """One day as an Apple Watch and an iPhone write it: most records are types EQM ignores
    (energy burned every minute, distance, stand time), as in real exports (~600 KB a day)."""
    q = "HKQuantityTypeIdentifier"
    lines = []
    wake, sleep = day + timedelta(hours=7), day + timedelta(hours=23)
    for minute in range(16 * 60):  # waking minutes
        start = wake + timedelta(minutes=minute)
        end = start + timedelta(minutes=1)
        kcal = f"{rng.uniform(0.05, 8):.3f}"
        lines.append(_record(f"{q}ActiveEnergyBurned", WATCH, "kcal", start, end, kcal) + "/>")
        if minute % 5 == 0:
            bpm = str(rng.integers(55, 120))
            lines.append(
                _record(f"{q}HeartRate", WATCH, "count/min", start, start, bpm) + ">\n"
                '  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n'
                " </Record>"
            )
            kcal = f"{rng.uniform(4, 7):.3f}"
            stop = start + timedelta(minutes=5)
            lines.append(_record(f"{q}BasalEnergyBurned", WATCH, "kcal", start, stop, kcal) + "/>")
        if minute % 10 == 0:
            stop = start + timedelta(minutes=10)
            steps = str(rng.integers(0, 1500))
            km = f"{rng.uniform(0, 1):.4f}"
            lines.append(_record(f"{q}StepCount", WATCH, "count", start, stop, steps) + "/>")
            lines.append(_record(f"{q}DistanceWalkingRunning", WATCH, "km", start, stop, km) + "/>")
        if minute % 60 == 0:
            stop = start + timedelta(hours=1)
            steps = str(rng.integers(0, 3000))
            km = f"{rng.uniform(0, 2):.4f}"
            stand = str(rng.integers(0, 12))
            lines.append(_record(f"{q}StepCount", PHONE, "count", start, stop, steps) + "/>")
            lines.append(_record(f"{q}DistanceWalkingRunning", PHONE, "km", start, stop, km) + "/>")
            lines.append(_record(f"{q}AppleStandTime", WATCH, "min", start, stop, stand) + "/>")
        if 600 <= minute < 630:  # a half-hour workout
            lines.append(_record(f"{q}AppleExerciseTime", WATCH, "min", start, end, "1") + "/>")
    for hour in (8, 12, 16, 20):  # HRV readings with their beat-to-beat list
        at = day + timedelta(hours=hour)
        beats = "\n".join(
            f'   <InstantaneousBeatsPerMinute bpm="{rng.integers(55, 90)}" time="{hour}:00:'
            f'{second:02d}.00 AM"/>'
            for second in range(60)
        )
        lines.append(
            _record(
                f"{q}HeartRateVariabilitySDNN",
                WATCH,
                "ms",
                at,
                at + timedelta(minutes=1),
                f"{rng.uniform(20, 80):.2f}",
            )
            + f">\n  <HeartRateVariabilityMetadataList>\n{beats}\n"
            "  </HeartRateVariabilityMetadataList>\n </Record>"
        )
    for minute in range(0, 8 * 60, 10):  # the night: heart rate and the stages
        at = sleep + timedelta(minutes=minute)
        bpm = str(rng.integers(45, 65))
        lines.append(_record(f"{q}HeartRate", WATCH, "count/min", at, at, bpm) + "/>")
    onset = sleep
    for stage in ("Core", "Deep", "Core", "REM", "Awake", "Core", "Deep", "Core", "REM"):
        stop = onset + timedelta(minutes=int(rng.integers(20, 70)))
        value = "HKCategoryValueSleepAnalysis" + ("Awake" if stage == "Awake" else "Asleep" + stage)
        kind = "HKCategoryTypeIdentifierSleepAnalysis"
        lines.append(_record(kind, WATCH, "", onset, stop, value) + "/>")
        onset = stop
    return lines


def write_export(path: Path, megabytes: int, seed: int = 1) -> None:
    """About `megabytes` of export, one day after another, streamed to disk."""
    rng = np.random.default_rng(seed)
    target = megabytes * 1_000_000
    day = datetime(2024, 1, 1)  # ~800 days for 500 MB: all of them in the past
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER)
        while f.tell() < target:
            f.write("\n".join(_day(rng, day)) + "\n")
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
    export = args.out / f"export_watch_{args.mb}mb.xml"
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
