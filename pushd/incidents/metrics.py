"""Time to acknowledge and time to resolve, read from the timeline (the one record of what happened)."""

from __future__ import annotations

from typing import Any


def durations(entries: list[dict[str, Any]]) -> dict[str, float | None]:
    """For one incident's `created` and `status` entries, oldest first:
    - tta: seconds from creation to the first move out of `open` (ack, or a skip straight to
      mitigated or resolved: someone responded either way);
    - ttr: seconds from creation to the latest move to `resolved`, if it is resolved now (a reopened
      incident is not resolved, and its earlier resolution does not count)."""
    created = next((e["ts"] for e in entries if e["kind"] == "created"), None)
    if created is None:
        return {"tta": None, "ttr": None}
    moves = [e for e in entries if e["kind"] == "status"]
    first_response = next((e["ts"] for e in moves if e["data"]["from"] == "open"), None)
    last = moves[-1] if moves else None
    resolved = last["ts"] if last and last["data"]["to"] == "resolved" else None
    return {"tta": None if first_response is None else first_response - created,
            "ttr": None if resolved is None else resolved - created}


def averages(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """MTTA and MTTR over every incident that has the duration, with how many each average covers."""
    by_incident: dict[int, list[dict[str, Any]]] = {}
    for e in entries:
        by_incident.setdefault(e["incident_id"], []).append(e)
    ttas, ttrs = [], []
    for es in by_incident.values():
        d = durations(es)
        if d["tta"] is not None:
            ttas.append(d["tta"])
        if d["ttr"] is not None:
            ttrs.append(d["ttr"])
    return {"mtta_seconds": sum(ttas) / len(ttas) if ttas else None, "acknowledged": len(ttas),
            "mttr_seconds": sum(ttrs) / len(ttrs) if ttrs else None, "resolved": len(ttrs)}
