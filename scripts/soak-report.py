#!/usr/bin/env python3
"""Judges a soak's samples (scripts/chaos --soak): after the first 5 minutes, each service's
resident memory may grow at most 5 % (the mean of its last minute against the mean of minute
5 to 6), its open files stay flat (within 2 % or 10 files), the outbox (the sync log) and the
notifier's tables stay bounded (the last 10 minutes' peak at most 20 % above the peak of
minutes 10 to 20, once they are past the 5-minute retention), and no service logged an error.
Only samples up to UNTIL seconds count (the load's end: the clients' final syncs come after).
  scripts/soak-report.py SAMPLES.csv LOGS_DIR [UNTIL]"""

import csv
import glob
import json
import sys
from collections import defaultdict


def main(samples, logs, until=None):
    until = int(until) if until else None
    rss, fds, tables = defaultdict(list), defaultdict(list), defaultdict(list)
    names = ["outbox", "outbox_pending", "processed_events", "notification_digests", "ws_sessions"]
    with open(samples, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            t = int(row["t"])
            if until is not None and t > until:
                continue
            if row["service"] == "tables":
                for name, value in zip(names, row["rss_kib"].split(";")):
                    tables[name].append((t, int(value)))
            else:
                rss[row["service"]].append((t, int(row["rss_kib"])))
                fds[row["service"]].append((t, int(row["fds"])))
    end = max(t for series in rss.values() for t, _ in series)
    problems = []
    print(f"{'service':<14} {'RSS min 5-6':>12} {'RSS last min':>13} {'growth':>8} {'files':>12}")
    for name in sorted(rss):
        base = [v for t, v in rss[name] if 300 <= t < 360]
        last = [v for t, v in rss[name] if t >= end - 60]
        files = [v for t, v in fds[name] if t >= 300]
        if not base or not last:
            problems.append(f"{name}: too few samples")
            continue
        b, l = sum(base) / len(base), sum(last) / len(last)
        growth = l / b - 1
        spread = max(files) - min(files)
        print(f"{name:<14} {b / 1024:>10.1f} M {l / 1024:>11.1f} M {growth:>+7.1%} {min(files):>5}-{max(files):<5}")
        if growth > 0.05:
            problems.append(f"{name}: resident memory grew {growth:.1%} after the first 5 minutes")
        if spread > max(10, 0.02 * max(files)):
            problems.append(f"{name}: open files went from {min(files)} to {max(files)}")
    for name, series in tables.items():
        early = [v for t, v in series if 600 <= t < 1200]
        late = [v for t, v in series if t >= end - 600]
        peak = max((v for _, v in series), default=0)
        print(f"table {name:<22} peak {peak:>8}; minutes 10-20 peak {max(early, default=0):>8}; last 10 minutes peak {max(late, default=0):>8}")
        if early and late and max(late) > 1.2 * max(early) + 100:
            problems.append(f"table {name} kept growing: {max(early)} then {max(late)}")
    errors = 0
    for path in glob.glob(f"{logs}/*.log"):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.startswith("{"):
                    continue
                try:
                    if json.loads(line).get("level") == "ERROR":
                        errors += 1
                        if errors <= 5:
                            print(f"error logged: {path}: {line.strip()[:300]}")
                except ValueError:
                    pass
    print(f"errors logged: {errors}")
    if errors:
        problems.append(f"{errors} errors logged")
    for p in problems:
        print(f"FAIL {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
