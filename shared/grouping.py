"""Grouping rule API shapes, shared by pushd's routes and the dashboard's client."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from shared.matchers import MAX_VALUE_CHARS

LabelName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$", max_length=256)]
RuleName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]


class RuleMatcher(BaseModel):
    """A matcher in Alertmanager API v2's shape. The label name's rule is in the schema; whether RE2
    takes a regex cannot be, so pushd answers 400 naming the matcher it refuses."""

    model_config = {"extra": "forbid", "strict": True}

    name: LabelName
    value: Annotated[str, Field(max_length=MAX_VALUE_CHARS)]
    isRegex: bool
    isEqual: bool = True


class GroupingRuleIn(BaseModel):
    """When an alert matching every matcher fires and its group (this rule and the values of the
    `group_by` labels) has no unresolved incident opened within the last `window_seconds`, one is
    opened; later alerts of the group join it. With `auto_mitigate`, the incident is marked
    mitigated once all its alerts are resolved."""

    model_config = {"extra": "forbid", "strict": True}

    name: RuleName
    matchers: Annotated[list[RuleMatcher], Field(min_length=1, max_length=50)]
    group_by: Annotated[list[LabelName], Field(max_length=20)] = []
    window_seconds: Annotated[float, Field(gt=0, le=30 * 86400)] = 3600
    auto_mitigate: bool = False


class GroupingRule(GroupingRuleIn):
    model_config = {"extra": "forbid", "strict": False}  # an answer: times arrive as ISO strings

    id: int
    created_at: datetime
    created_by: str
    updated_at: datetime
