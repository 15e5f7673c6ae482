"""Benchmark: `scls cohort start` on the embedded stack, as ops staff would run it.

Runs `scls dev` (embedded Postgres, Temporal dev server, worker) in a temporary data
folder, then times, from the command to every participant enrolled on record (the
command waits for that):
  1. the 30-person example cohort (examples/cohort-north-west-2029.csv);
  2. 1,000 participants across 34 cohorts (the example renamed: 14 cohorts of 30 and
     20 of 29), started one after another as ops would.

    python -m bench cohort-start [--participants 1000] [--cohorts 34] [--example-only]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from domain.cohort.intake import CSV_COLUMNS, PERSON_COLUMNS

EXAMPLE = Path(__file__).parents[1] / "examples" / "cohort-north-west-2029.csv"


def _env(data_dir: Path) -> dict[str, str]:
    from scls.stack.ports import free_port

    env = {key: value for key, value in os.environ.items() if not key.startswith("SCLS_")}
    temporal_port = free_port()
    env.update(
        SCLS_DATA_DIR=str(data_dir),
        SCLS_DEV_TEMPORAL_PORT=str(temporal_port),
        SCLS_TEMPORAL_ADDRESS=f"127.0.0.1:{temporal_port}",
        SCLS_DEV_TEMPORAL_UI_PORT=str(free_port()),
        SCLS_DEV_POSTGRES_PORT=str(free_port()),
        SCLS_SMTP_PORT=str(free_port()),
        SCLS_LOG_FORMAT="json",
    )
    return env


def _scls(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scls.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )


def _start_dev(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        dev = subprocess.Popen(
            [sys.executable, "-m", "scls.cli", "dev"], env=env, stdout=out, stderr=out
        )
    deadline = time.monotonic() + 180
    while "Web UI" not in log.read_text(errors="replace"):
        if dev.poll() is not None or time.monotonic() > deadline:
            dev.kill()
            raise SystemExit(f"scls dev did not start; its output:\n{log.read_text()}")
        time.sleep(0.2)
    time.sleep(2)  # the worker starts polling just after the panel
    return dev


def _cohort_files(folder: Path, participants: int, cohorts: int) -> list[Path]:
    """`cohorts` renamed copies of the example, `participants` people in all. A smaller
    copy leaves out one participant of some three-person homes, so every home keeps two."""
    with EXAMPLE.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    homes = Counter(row["home_id"] for row in rows)
    # Rows that define no one (their *_name cells are blank) can go without loss.
    last_of_trio = [
        max(i for i, row in enumerate(rows) if row["home_id"] == home)
        for home, count in homes.items()
        if count == 3
    ]
    last_of_trio = [
        i
        for i in last_of_trio
        if not any(rows[i][c] for c in PERSON_COLUMNS if c.endswith("_name"))
    ]
    sizes = [participants // cohorts + (n < participants % cohorts) for n in range(cohorts)]
    if not all(len(rows) - len(last_of_trio) <= size <= len(rows) for size in sizes):
        raise SystemExit(f"cohorts of {min(sizes)} to {max(sizes)}: the example makes 24 to 30")
    files = []
    for number, size in enumerate(sizes, start=1):
        left_out = set(last_of_trio[: len(rows) - size])
        prefix = f"B{number:02d}"
        chosen = [
            row
            | {
                "cohort_id": f"BENCH-{number:02d}",
                "participant_id": row["participant_id"].replace("NW29", prefix),
                "email": f"{prefix.lower()}.{row['email']}",
            }
            for i, row in enumerate(rows)
            if i not in left_out
        ]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(chosen)
        path = folder / f"bench-{number:02d}.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        files.append(path)
    return files


def _timed_start(path: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = _scls("cohort", "start", str(path), env=env)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"cohort start {path} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def run(arguments: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="scls-bench-cohort-") as folder:
        data_dir = Path(folder) / "data"
        env = _env(data_dir)
        dev = _start_dev(env, Path(folder) / "dev.log")
        try:
            example = _timed_start(EXAMPLE, env)
            print(
                f"30-person example cohort: {example:.2f} s from `scls cohort start` to all "
                f"30 enrolled ({example / 30 * 1000:.0f} ms a participant)"
            )
            again = _timed_start(EXAMPLE, env)
            print(f"  the same file again (starts nothing): {again:.2f} s")
            if arguments.example_only:
                return 0
            files = _cohort_files(Path(folder), arguments.participants, arguments.cohorts)
            timings = []
            overall = time.perf_counter()
            for path in files:
                timings.append(_timed_start(path, env))
            total = time.perf_counter() - overall
        finally:
            dev.send_signal(signal.SIGINT)
            try:
                dev.wait(timeout=120)
            except subprocess.TimeoutExpired:
                dev.kill()
    print(
        f"{arguments.participants} participants across {arguments.cohorts} cohorts, started "
        f"one after another: {total:.1f} s ({total / arguments.participants * 1000:.0f} ms a "
        "participant)"
    )
    print(
        f"  per cohort: median {statistics.median(timings):.2f} s, "
        f"fastest {min(timings):.2f} s, slowest {max(timings):.2f} s"
    )
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench cohort-start", description=__doc__)
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--cohorts", type=int, default=34)
    parser.add_argument("--example-only", action="store_true", help="only the 30-person example")
    return run(parser.parse_args(argv))
