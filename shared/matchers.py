"""Label matchers with Alertmanager's meaning: `=`, `!=`, `=~`, `!~` (pkg/labels/matcher.go).

A regex is anchored at both ends (`^(?:value)$`) and compiled by RE2 (google-re2), the engine whose
syntax Go's regexp implements: what Alertmanager refuses (backreferences, lookaround, `\\Z`,
possessive repeats) is refused here, and `$` means the end of the text, not also "before a
final newline" as in Python's `re`. A label the alert does not have matches as the empty string.
Silences, runbooks and grouping rules all use these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import re2
from pydantic import BaseModel, Field, model_validator

# Prometheus' classic label name; Alertmanager's API v2 refuses any other name in a matcher.
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
MAX_VALUE_CHARS = 4096

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused regex is the caller's 4xx, not a line on pushd's stderr


def compile_regex(value: str) -> Any:
    """`value` anchored as Alertmanager anchors it; ValueError naming RE2's complaint if it refuses it."""
    try:
        return re2.compile(f"^(?:{value})$", _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(f"invalid regular expression {value!r}: {reason}") from None


@dataclass(frozen=True, slots=True)
class Matcher:
    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True
    _regex: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not LABEL_NAME.fullmatch(self.name):
            raise ValueError(f"invalid label name {self.name!r}: letters, digits and _, not starting with a digit")
        if self.is_regex:
            object.__setattr__(self, "_regex", compile_regex(self.value))

    @property
    def op(self) -> str:
        return {(False, True): "=", (False, False): "!=", (True, True): "=~", (True, False): "!~"}[
            (self.is_regex, self.is_equal)]

    def matches_value(self, value: str) -> bool:
        hit = self._regex.search(value) is not None if self.is_regex else value == self.value
        return hit == self.is_equal

    def matches(self, labels: Mapping[str, str]) -> bool:
        return self.matches_value(labels.get(self.name, ""))

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.name}{self.op}"{escaped}"'

    def as_json(self) -> dict[str, Any]:
        """Alertmanager API v2's shape."""
        return {"name": self.name, "value": self.value, "isRegex": self.is_regex, "isEqual": self.is_equal}


_TEXT = re.compile(r"\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$", re.S)
_ESCAPE = re.compile(r'\\([\\"n])')


def _unquote(text: str) -> str:
    """A quoted value undoes the escapes `Matcher.__str__` (and Alertmanager) write: \\\\ \\" \\n;
    an unquoted one is taken as written."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return _ESCAPE.sub(lambda m: "\n" if m[1] == "n" else m[1], text[1:-1])
    return text


def parse(text: str) -> Matcher:
    """One matcher in Alertmanager's text form (`name="value"`, `!=`, `=~`, `!~`; the value quoted
    or bare), as amtool sends in `filter=` and people type; ValueError saying what it is not."""
    m = _TEXT.fullmatch(text)
    if m is None:
        raise ValueError(f"not a matcher: {text.strip()!r} (name=value, !=, =~, !~)")
    op = m[2]
    return Matcher(m[1], _unquote(m[3]), is_regex="~" in op, is_equal=op[0] != "!")


def matches_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)


def all_match_empty(matchers: Iterable[Matcher]) -> bool:
    """True when an alert with no labels at all would match: such a set would match every alert,
    which Alertmanager refuses for a silence ("at least one matcher must not match the empty string")."""
    return all(m.matches_value("") for m in matchers)


class MatcherIn(BaseModel):
    """A matcher as Alertmanager's API v2 writes it; validated by building the Matcher."""

    # strict: isEqual 0 is not false (the schema says boolean, and Alertmanager's Go decoder refuses it too).
    model_config = {"extra": "forbid", "strict": True}

    # The pattern is stated in the schema, so that clients (and schemathesis) know which names are
    # refused; Matcher checks it, with a message that says what a label name is.
    name: Annotated[str, Field(min_length=1, max_length=256, json_schema_extra={"pattern": f"^{LABEL_NAME.pattern}$"})]
    value: Annotated[str, Field(max_length=MAX_VALUE_CHARS)]
    isRegex: bool
    isEqual: bool = True

    @model_validator(mode="after")
    def _valid(self) -> MatcherIn:
        self.matcher()
        return self

    def matcher(self) -> Matcher:
        return Matcher(self.name, self.value, self.isRegex, self.isEqual)
