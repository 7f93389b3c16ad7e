"""The grouping rule store interface: rules as rows. What they do lives in pushd.incidents.grouping."""

from __future__ import annotations

from typing import Any, Protocol


class GroupingRuleStore(Protocol):
    async def list(self) -> list[dict[str, Any]]: ...
    async def get(self, rule_id: int) -> dict[str, Any] | None: ...
    async def create(self, rule: dict[str, Any], actor: str, now: float) -> dict[str, Any]:
        """Raises Conflict when the name is taken."""
    async def replace(self, rule_id: int, rule: dict[str, Any], now: float) -> dict[str, Any]:
        """Raises NotFound, or Conflict when the new name is another rule's."""
    async def delete(self, rule_id: int) -> None:
        """Raises NotFound."""
