"""The runbook links of alerts' annotations, counted in SQL over every alert that matches.

The dashboard's runbooks page used to read 500 alerts to count them itself, and so missed the rest
(and warned about it); here the whole table is read by SQLite, and only one row per link leaves it.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from pushd.store.base import RUNBOOK_ANNOTATIONS

# What Python's str.strip() takes off (every c with c.isspace(); a test holds it to that), for SQLite's
# trim(), which alone removes spaces only: a link is the annotation's value without surrounding
# whitespace, as the dashboard took it before.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
              "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _link(key: str) -> str:
    # json_extract takes a constant path here: the keys are ours, not the caller's.
    return f"nullif(trim(json_extract(annotations, '$.{key}'), :ws), '')"


# The first annotation of RUNBOOK_ANNOTATIONS that is not blank. The instr() tests skip, cheaply,
# the alerts whose annotations cannot hold one: a stored key is written as "key" (JSON, by orjson),
# and these keys have nothing JSON would escape.
_SELECT = (
    f"SELECT coalesce({', '.join(_link(k) for k in RUNBOOK_ANNOTATIONS)}) AS url, alertname, status, last_seen"
    " FROM alerts WHERE (" + " OR ".join(f"instr(annotations, '\"{k}\"') > 0" for k in RUNBOOK_ANNOTATIONS) + ")"
)


# How orjson writes a NUL inside the stored JSON. json_extract cuts a string at a NUL, so the alerts
# whose annotations hold one (rare) have their link worked out in Python (_python_link) instead.
_NUL_ESCAPE = "\\u0000"


def _python_link(annotations: dict[str, str]) -> str | None:
    """_SELECT's link, in Python: the first annotation of RUNBOOK_ANNOTATIONS that is not blank, stripped."""
    for key in RUNBOOK_ANNOTATIONS:
        value = annotations.get(key, "").strip()
        if value:
            return value
    return None


def runbook_links(conn: sqlite3.Connection, statuses: list[str]) -> list[dict[str, Any]]:
    """One row per link: the alert names that carry it (sorted), how many of its alerts are open
    (firing or acknowledged) and when one was last seen (epoch seconds); most open alerts first,
    then by link. `statuses` filters the alerts counted; empty: every alert."""
    where, args = "", {"ws": WHITESPACE, "nul": _NUL_ESCAPE}
    if statuses:
        marks = ", ".join(f":s{i}" for i in range(len(statuses)))
        where = f" AND status IN ({marks})"
        args.update({f"s{i}": s for i, s in enumerate(statuses)})
    links: dict[str, dict[str, Any]] = {}
    for r in conn.execute(
        f"SELECT url, json_group_array(DISTINCT alertname) AS names, sum(status != 'resolved') AS open_alerts,"
        f" max(last_seen) AS last_seen FROM ({_SELECT} AND instr(annotations, :nul) = 0{where})"
        " WHERE url IS NOT NULL GROUP BY url", args):
        links[r["url"]] = {"url": r["url"], "alertnames": set(orjson.loads(r["names"])),
                           "open_alerts": r["open_alerts"], "last_seen": r["last_seen"]}
    for r in conn.execute(
        "SELECT annotations, alertname, status, last_seen FROM alerts WHERE instr(annotations, :nul) > 0"
        f"{where}", args):
        url = _python_link(orjson.loads(r["annotations"]))
        if url is None:
            continue
        link = links.setdefault(url, {"url": url, "alertnames": set(), "open_alerts": 0, "last_seen": r["last_seen"]})
        link["alertnames"].add(r["alertname"])
        link["open_alerts"] += r["status"] != "resolved"
        link["last_seen"] = max(link["last_seen"], r["last_seen"])
    return [{**link, "alertnames": sorted(link["alertnames"])}
            for link in sorted(links.values(), key=lambda link: (-link["open_alerts"], link["url"]))]
