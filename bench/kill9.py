"""kill -9 loop: SIGKILL pushd at random moments during concurrent ingestion, restart it, count what was lost.

The crash round and the checks are those of tests/pushd/test_kill9.py (CI runs 10 rounds of it); this
script runs more rounds and reports, per round: writes acknowledged (2xx answers to alert POSTs, acks
and resolves), acknowledged writes missing after the restart (must be 0), `PRAGMA integrity_check`
on the file while pushd is stopped (must be ok), and how long the restart took (process start to
/healthz answering). pushd keeps its default durability (`PUSHD_SQLITE_SYNCHRONOUS=FULL`).

    python bench/kill9.py [--rounds 20] [--senders 4] [--seed N]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import REPO, print_table, pushd, write_results

sys.path.insert(0, str(REPO))
from tests.pushd.test_kill9 import (
    ENV,
    KILL_DELAY,
    Ledger,
    crash_round,
    integrity,
    missing_alerts,
    missing_transitions,
)
from tests.servers import ADMIN_TOKEN, AUTH


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--senders", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--seed", type=int, default=None, help="replay a run (printed at the start)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"seed {seed} (replay: --seed {seed}); kill {KILL_DELAY[0]}-{KILL_DELAY[1]} s after the round's first write")

    ledger = Ledger()
    verified: dict[int, int] = {}  # alert id -> transitions verified by an earlier restart
    rows, records = [], []
    pending: dict[str, object] | None = None  # the round whose restart is being checked
    with tempfile.TemporaryDirectory(prefix="bench-kill9-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        for round_no in range(args.rounds + 1):
            started = time.monotonic()
            with pushd(data, PUSHD_ADMIN_TOKEN=ADMIN_TOKEN, **ENV) as (url, proc):
                restart_s = time.monotonic() - started
                last = round_no == args.rounds
                with httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
                    lost_alerts = missing_alerts(client, ledger)
                    ids = [i for i, acts in ledger.transitions.items() if last or verified.get(i) != len(acts)]
                    lost_transitions = missing_transitions(client, ledger, ids)
                    verified.update((i, len(ledger.transitions[i])) for i in ids)
                if pending is not None:
                    pending.update(restart_s=round(restart_s, 3), lost=len(lost_alerts) + len(lost_transitions),
                                   lost_examples=(lost_alerts + lost_transitions)[:10])
                    records.append(pending)
                    rows.append([pending["round"], pending["writes"], f"{pending['kill_after_s']:.3f}",
                                 pending["dropped"], pending["alerts_total"], pending["transitions_total"],
                                 pending["lost"], pending["integrity"], f"{restart_s:.2f}"])
                    print(f"round {pending['round']}: {pending['writes']} writes acknowledged, lost {pending['lost']}, "
                          f"integrity {pending['integrity']}, restart {restart_s:.2f} s", flush=True)
                if last:
                    break
                result = crash_round(url, proc, ledger, seed, round_no, args.senders)
            pending = {"round": round_no, "writes": result.writes, "kill_after_s": round(result.delay, 3),
                       "dropped": result.dropped, "alerts_total": len(ledger.created),
                       "transitions_total": sum(len(a) for a in ledger.transitions.values()),
                       "integrity": integrity(data / "pushd.sqlite3"), "unexpected": ledger.unexpected[:10]}
            ledger.unexpected.clear()

    print()
    print_table(["round", "writes", "kill after s", "dropped", "alerts", "transitions", "lost", "integrity",
                 "restart s"], rows)
    lost = sum(int(r["lost"]) for r in records)
    bad_integrity = [r["round"] for r in records if r["integrity"] != "ok"]
    unexpected = [u for r in records for u in r["unexpected"]]  # type: ignore[attr-defined]
    restarts = sorted(float(r["restart_s"]) for r in records)
    summary = {"rounds": len(records), "seed": seed, "senders": args.senders, "kill_delay_s": list(KILL_DELAY),
               "writes_acknowledged": sum(int(r["writes"]) for r in records), "lost": lost,
               "integrity_failures": bad_integrity, "unexpected_answers": unexpected[:10],
               "restart_s_median": restarts[len(restarts) // 2], "restart_s_max": restarts[-1]}
    print(f"\n{summary['writes_acknowledged']} writes acknowledged over {len(records)} kills, lost {lost}, "
          f"integrity failures {bad_integrity or 'none'}, restart median {summary['restart_s_median']:.2f} s "
          f"(max {summary['restart_s_max']:.2f} s)")
    path = write_results("kill9", {"summary": summary, "rounds": records})
    print(f"wrote {path}")
    return 1 if lost or bad_integrity or unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
