"""The large-scenario generator at several sizes (not a test; prints a table).

    python -m bench.generate_scale [--sizes 600x365,5000x365,50000x365] [--out data/scale]

Each size runs in a fresh process writing `<out>/<people>x<days>/landing`; the table gives
people | days | shards | records | landing MB | seconds | records/s | peak RSS (that process).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
from pathlib import Path


def _child(people: int, days: int, out: str, queue) -> None:
    from devenv.generate import generate

    result = generate(people, days, out, progress=lambda line: print(f"  {people}x{days} {line}", flush=True))
    queue.put({"people": result.people, "days": days, "shards": result.shards, "records": result.records,
               "mb": result.landing_bytes / 1e6, "seconds": result.seconds,
               "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="600x365,5000x365,50000x365", help="people x days, comma separated")
    parser.add_argument("--out", default="data/scale")
    parser.add_argument("--keep", action="store_true", help="keep the landing zones written (for dbt benchmarks)")
    args = parser.parse_args()
    spawn = multiprocessing.get_context("spawn")
    rows = []
    for size in args.sizes.split(","):
        people, days = (int(x) for x in size.lower().split("x"))
        out = Path(args.out) / f"{people}x{days}" / "landing"
        shutil.rmtree(out, ignore_errors=True)
        queue = spawn.Queue()
        proc = spawn.Process(target=_child, args=(people, days, str(out), queue))
        proc.start()
        row = queue.get()
        proc.join()
        rows.append(row)
        print(f"| {row['people']:,} | {row['days']} | {row['shards']} | {row['records']:,} | {row['mb']:,.0f} | "
              f"{row['seconds']:,.0f} | {row['records'] / row['seconds']:,.0f} | {row['rss_mb']:,.0f} |", flush=True)
        if not args.keep:
            shutil.rmtree(out.parent, ignore_errors=True)
    print("\n| people | days | shards | records | landing MB | seconds | records/s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['people']:,} | {row['days']} | {row['shards']} | {row['records']:,} | {row['mb']:,.0f} | "
              f"{row['seconds']:,.0f} | {row['records'] / row['seconds']:,.0f} | {row['rss_mb']:,.0f} |")


if __name__ == "__main__":
    main()
