"""How long ``signoff eval report`` takes, and how much memory, as the store grows.

    python bench/eval.py [--store postgres|sqlite] [--decisions 1000000] [--sizes 100000,...]
        [--per-day 10000] [--no-tracemalloc]

Seeds ``decision_facts`` and ``ground_truth`` (the table the evaluation joins for settled
truth) of a fresh store (a PostgreSQL schema, dropped afterwards, or a SQLite file) with
synthetic decisions in bulk: COPY on PostgreSQL, executemany on SQLite. Then, at each
size, runs the evaluation as ``signoff eval report`` does (``Store.evaluate``, the
terminal summary, the HTML report) and prints its wall time, this process's peak RSS
during it, and, in a second pass under ``tracemalloc``, the peak of Python allocations.
Decisions arrive at a steady ``--per-day``, so a larger store holds more daily windows:
memory that is constant per window grows with the windows, not with the decisions.
Prints figures and ends with one JSON line; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import io
import json
import os
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # for ``bench`` when run as a script

from bench.eval_rows import FACT_COLUMNS, TRUTH_COLUMNS, synthetic_decisions  # noqa: E402
from bench.scale import PeakRss, growth  # noqa: E402
from bench.scratch_database import ScratchDatabase  # noqa: E402

TARGET_S = 30.0
WARM = ("numpy", "sklearn.metrics", "statsmodels.stats.inter_rater", "krippendorff")
WARM += ("matplotlib.pyplot", "rapidfuzz")
START = datetime(2026, 1, 1, tzinfo=UTC)


# -- seeding ------------------------------------------------------------------------------


def seed_postgres(url: str, first: int, count: int, per_day: int) -> None:
    """COPY decisions ``first`` .. ``first + count`` and their truth, through psycopg."""
    import psycopg

    facts, truth = synthetic_decisions(first, count, per_day=per_day, start=START, as_json=True)
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        with cursor.copy(f"COPY decision_facts ({', '.join(FACT_COLUMNS)}) FROM STDIN") as copy:
            for row in facts:
                copy.write_row(row)
        with cursor.copy(f"COPY ground_truth ({', '.join(TRUTH_COLUMNS)}) FROM STDIN") as copy:
            for row in truth:
                copy.write_row(row)
        cursor.execute("ANALYZE decision_facts")
        cursor.execute("ANALYZE ground_truth")


def seed_sqlite(url: str, first: int, count: int, per_day: int) -> None:
    """Insert the same rows with executemany, in the column shapes the store writes."""
    import sqlite3

    path = url.removeprefix("sqlite:///")
    facts, truth = synthetic_decisions(first, count, per_day=per_day, start=START, as_json=True)
    with sqlite3.connect(path) as conn:
        marks = ", ".join("?" * len(FACT_COLUMNS))
        conn.executemany(
            f"INSERT INTO decision_facts ({', '.join(FACT_COLUMNS)}) VALUES ({marks})",
            (_sqlite_row(r) for r in facts),
        )
        marks = ", ".join("?" * len(TRUTH_COLUMNS))
        conn.executemany(
            f"INSERT INTO ground_truth ({', '.join(TRUTH_COLUMNS)}) VALUES ({marks})",
            (_sqlite_row(r) for r in truth),
        )
        conn.execute("ANALYZE")


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # The store writes naive UTC text on SQLite (``UtcDateTime``); sqlite3's own
    # datetime adapter writes the same ISO text with a space.
    return tuple(
        v.astimezone(UTC).replace(tzinfo=None).isoformat(" ") if isinstance(v, datetime) else v
        for v in row
    )


# -- measuring ----------------------------------------------------------------------------


async def evaluate_once(url: str, trace: bool) -> dict[str, Any]:
    """One evaluation as ``signoff eval report`` runs it: read and count, then the
    summary (to a buffer) and the HTML (to a string)."""
    from rich.console import Console

    from signoff.adapters.store import Store
    from signoff.app.eval_report import print_summary, render_html
    from signoff.core.learning import EvaluationFilters

    for module in WARM:  # loaded before RSS is read: libraries are not the evaluation's
        importlib.import_module(module)
    store = await Store.open(url, migrate=False)
    try:
        if trace:
            tracemalloc.start()
        with PeakRss() as rss:
            began = time.perf_counter()
            evaluation = await store.evaluate(EvaluationFilters())
            read_s = time.perf_counter() - began
            print_summary(evaluation, Console(file=io.StringIO(), width=120))
            page = render_html(evaluation)
            total_s = time.perf_counter() - began
        traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
        if trace:
            tracemalloc.stop()
    finally:
        await store.close()
    windows = sum(len(c.windows) for c in evaluation.cohorts)
    return {
        "decisions": evaluation.decisions,
        "cohorts": len(evaluation.cohorts),
        "windows": windows,
        "evaluate_s": read_s,
        "report_s": total_s - read_s,
        "total_s": total_s,
        "rss_before_mb": rss.before,
        "rss_growth_mb": rss.peak - rss.before,
        "traced_peak_mb": traced,
        "html_kb": len(page) / 1024,
    }


def print_size(size: int, seed_s: float, timed: dict[str, Any], traced: dict[str, Any]) -> None:
    per_window = (
        traced["traced_peak_mb"] * 1024 / traced["windows"] if traced.get("windows") else None
    )
    print(
        f"{size:>9,} decisions ({timed['cohorts']} cohorts, {timed['windows']} cohort-windows;"
        f" seeded in {seed_s:.1f} s)\n"
        f"  evaluate {timed['evaluate_s']:.1f} s ({size / timed['evaluate_s']:,.0f}/s)"
        f" + summary and HTML {timed['report_s']:.1f} s = {timed['total_s']:.1f} s\n"
        f"  RSS {timed['rss_before_mb']:.0f} MB before, +{timed['rss_growth_mb']:.1f} MB at peak"
        + (
            f"; tracemalloc peak {traced['traced_peak_mb']:.1f} MB"
            f" ({per_window:.1f} KB per cohort-window)"
            if traced.get("traced_peak_mb") is not None and per_window is not None
            else ""
        ),
        flush=True,
    )


async def main(args: argparse.Namespace) -> dict[str, Any]:
    from signoff.adapters.store import Store

    sizes = sorted({*(int(s) for s in args.sizes.split(",") if s), args.decisions})
    sizes = [s for s in sizes if s <= args.decisions]
    out: dict[str, Any] = {"bench": "eval", "store": args.store, "per_day": args.per_day}
    db = ScratchDatabase(args.store)
    try:
        store = await Store.open(db.url)  # the schema, migrated as a deployment has it
        await store.close()
        seed = seed_postgres if args.store == "postgres" else seed_sqlite
        seeded = 0
        results: dict[int, dict[str, Any]] = {}
        for size in sizes:
            began = time.perf_counter()
            seed(db.url, seeded, size - seeded, args.per_day)
            seed_s = time.perf_counter() - began
            seeded = size
            timed = await evaluate_once(db.url, trace=False)
            traced = await evaluate_once(db.url, trace=True) if args.tracemalloc else {}
            print_size(size, seed_s, timed, traced)
            results[size] = {**timed, "traced_peak_mb": traced.get("traced_peak_mb")}
        last = results[sizes[-1]]
        print("growth:")
        print("  time      " + growth({n: r["total_s"] for n, r in results.items()}, "s"))
        print("  RSS      " + growth({n: r["rss_growth_mb"] for n, r in results.items()}, "MB"))
        if args.tracemalloc:
            traced_mb = {n: r["traced_peak_mb"] for n, r in results.items()}
            print("  traced   " + growth(traced_mb, "MB"))
            per_window = {n: r["traced_peak_mb"] * 1024 / r["windows"] for n, r in results.items()}
            print("  per window " + growth(per_window, "KB"))
        met = last["total_s"] <= TARGET_S
        print(
            f"target: {sizes[-1]:,} decisions in {last['total_s']:.1f} s"
            f" (<= {TARGET_S:.0f} s: {'met' if met else 'MISSED'})"
        )
        out |= {
            "sizes": sizes,
            "seconds": {str(n): round(r["total_s"], 2) for n, r in results.items()},
            "evaluate_seconds": {str(n): round(r["evaluate_s"], 2) for n, r in results.items()},
            "rss_growth_mb": {str(n): round(r["rss_growth_mb"], 1) for n, r in results.items()},
            "traced_peak_mb": {
                str(n): None if r["traced_peak_mb"] is None else round(r["traced_peak_mb"], 1)
                for n, r in results.items()
            },
            "windows": {str(n): r["windows"] for n, r in results.items()},
            "target_met": met,
            "load_average": round(os.getloadavg()[0], 2),
        }
    except Exception as err:  # the JSON line still ends the run
        out["error"] = repr(err)
        raise
    finally:
        db.drop()
        print(json.dumps(out), flush=True)
    return out


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument(
        "--sizes", default="100000", help="Smaller sizes measured on the way (comma list)."
    )
    parser.add_argument("--per-day", type=int, default=10_000, help="Decisions per day.")
    parser.add_argument(
        "--no-tracemalloc", dest="tracemalloc", action="store_false", help="Skip the traced pass."
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
    sys.stdout.flush()
    os._exit(0)
