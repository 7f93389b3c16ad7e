"""Grouping rules (admin): matching alerts open or join incidents by group (pushd.incidents.grouping)."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import Path, Request, Response
from fastapi.responses import JSONResponse

from pushd.api.access import PrincipalDep, Require, router
from pushd.api.deps import SQLITE_MAX_INT, StateDep
from pushd.auth import Permission
from pushd.responses import errors
from pushd.store import NotFound, iso
from shared.grouping import GroupingRule, GroupingRuleIn
from shared.matchers import Matcher

admins = router(Require(Permission.admin), prefix="/api/v1/grouping-rules", tags=["grouping rules"])
RuleId = Annotated[int, Path(ge=1, le=SQLITE_MAX_INT)]


def _wire(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "created_at": iso(row["created_at"]), "updated_at": iso(row["updated_at"])}


class InvalidMatchers(Exception):
    def __init__(self, invalid: list[dict[str, Any]]) -> None:
        self.invalid = invalid


def _row(body: GroupingRuleIn) -> dict[str, Any]:
    """The rule as stored; raises InvalidMatchers for regexes RE2 refuses."""
    invalid = []
    for i, m in enumerate(body.matchers):
        try:
            Matcher(m.name, m.value, m.isRegex, m.isEqual)
        except ValueError as exc:
            invalid.append({"index": i, "reason": str(exc)})
    if invalid:
        raise InvalidMatchers(invalid)
    return {**body.model_dump(exclude={"matchers"}), "matchers": [m.model_dump() for m in body.matchers]}


def invalid_matchers(request: Request, exc: InvalidMatchers) -> JSONResponse:
    """400 in the shape of the batch errors: which matchers, by index, and why."""
    return JSONResponse({"detail": "invalid matchers", "invalid": exc.invalid}, status_code=400)


@admins.get("", response_model=list[GroupingRule])
async def list_rules(state: StateDep) -> Any:
    return [_wire(r) for r in await state.store.grouping_rules.list()]


@admins.post("", response_model=GroupingRule, status_code=201, responses=errors(400, 409))
async def create_rule(state: StateDep, principal: PrincipalDep, body: GroupingRuleIn) -> Any:
    """409 when another rule has the name."""
    row = await state.store.grouping_rules.create(_row(body), principal.actor, time.time())
    state.grouping.forget()
    return _wire(row)


@admins.get("/{rule_id}", response_model=GroupingRule, responses=errors(404))
async def get_rule(state: StateDep, rule_id: RuleId) -> Any:
    row = await state.store.grouping_rules.get(rule_id)
    if row is None:
        raise NotFound(f"no grouping rule {rule_id}")
    return _wire(row)


@admins.put("/{rule_id}", response_model=GroupingRule, responses=errors(400, 404, 409))
async def replace_rule(state: StateDep, rule_id: RuleId, body: GroupingRuleIn) -> Any:
    """The whole rule; incidents it opened keep their group."""
    row = await state.store.grouping_rules.replace(rule_id, _row(body), time.time())
    state.grouping.forget()
    return _wire(row)


@admins.delete("/{rule_id}", status_code=204, responses=errors(404))
async def delete_rule(state: StateDep, rule_id: RuleId) -> Response:
    await state.store.grouping_rules.delete(rule_id)
    state.grouping.forget()
    return Response(status_code=204)


routers = (admins,)
