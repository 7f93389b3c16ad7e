"""Runbooks in the dashboard as plain functions: text the editor shows and reads back, and tables.

Matchers are edited as one per line in Alertmanager's own text form (`name=value`, `!=`, `=~`,
`!~`), steps as `## title` headings each followed by its Markdown body and an optional
"$ command" line: an operator can write both in one text area, and tests call these without Streamlit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import pandas as pd
from pydantic import ValidationError

from shared.matchers import MatcherIn, parse
from shared.models import Alert
from shared.runbooks import Runbook, RunbookIn, Step

Translate = Callable[..., str]
def parse_matchers(text: str) -> list[MatcherIn]:
    """One matcher per non-empty line; ValueError naming the line that is not one."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        m = parse(line)
        try:
            out.append(MatcherIn(name=m.name, value=m.value, isRegex=m.is_regex, isEqual=m.is_equal))
        except ValidationError as exc:
            raise ValueError(exc.errors()[0]["msg"]) from None
    return out


def matchers_text(matchers: Iterable[MatcherIn]) -> str:
    return "\n".join(str(m.matcher()) for m in matchers)


def parse_steps(text: str) -> list[Step]:
    """`## title` starts a step; the lines after it are its body, a line `$ cmd` its command."""
    steps: list[Step] = []
    for block in re.split(r"^## ", text, flags=re.M)[1:]:
        title, _, rest = block.partition("\n")
        body, command = [], None
        for line in rest.splitlines():
            if line.startswith("$ ") and command is None:
                command = line[2:].strip() or None
            else:
                body.append(line)
        steps.append(Step(title=title.strip() or "-", body="\n".join(body).strip(), command=command))
    return steps


def steps_text(steps: Iterable[Step]) -> str:
    parts = []
    for s in steps:
        lines = [f"## {s.title}", s.body] + ([f"$ {s.command}"] if s.command else [])
        parts.append("\n".join(x for x in lines if x))
    return "\n\n".join(parts)


def build(title: str, description: str, matchers: str, steps: str) -> RunbookIn:
    """The body pushd gets; ValueError with a readable reason when the form is not one."""
    try:
        return RunbookIn(title=title, description=description, matchers=parse_matchers(matchers),
                         steps=parse_steps(steps))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def runbooks_frame(books: Iterable[Runbook], t: Translate) -> pd.DataFrame:
    return pd.DataFrame([{
        t("col_id"): b.id, t("col_title"): b.title, t("col_version"): b.version,
        t("col_matchers"): matchers_text(b.matchers).replace("\n", ", "), t("col_steps"): len(b.steps),
        t("col_author"): b.author,
    } for b in books], columns=[t(k) for k in ("col_id", "col_title", "col_version", "col_matchers",
                                                "col_steps", "col_author")])


def matches_frame(alerts: Iterable[Alert], t: Translate) -> pd.DataFrame:
    return pd.DataFrame([{t("col_id"): a.id, t("col_alertname"): a.alertname, t("col_status"): a.status.value,
                          t("col_labels"): ", ".join(f"{k}={v}" for k, v in sorted(a.labels.items()))}
                         for a in alerts],
                        columns=[t(k) for k in ("col_id", "col_alertname", "col_status", "col_labels")])
