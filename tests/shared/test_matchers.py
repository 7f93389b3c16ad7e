"""Matchers mean what they mean in Alertmanager (pkg/labels/matcher.go), with RE2's regex syntax."""

import pytest
from pydantic import ValidationError

from shared.matchers import Matcher, MatcherIn, all_match_empty, matches_all


@pytest.mark.parametrize(("matcher", "value", "expected"), [
    (Matcher("job", "api"), "api", True),
    (Matcher("job", "api"), "api2", False),
    (Matcher("job", "api", is_equal=False), "api2", True),
    (Matcher("job", "api", is_equal=False), "api", False),
    (Matcher("job", "ap.", is_regex=True), "api", True),
    (Matcher("job", "ap", is_regex=True), "api", False),  # anchored at the end
    (Matcher("job", "pi", is_regex=True), "api", False),  # and at the start
    (Matcher("job", "a|b", is_regex=True), "b", True),  # the alternation is grouped before anchoring
    (Matcher("job", "a|b", is_regex=True), "ab", False),
    (Matcher("job", "api$", is_regex=True), "api\n", False),  # Python's $ would match before the newline
    (Matcher("job", "api", is_regex=True), "api\n", False),
    (Matcher("job", ".*", is_regex=True), "line\nbreak", False),  # . does not match a newline (RE2, Go)
    (Matcher("job", "(?s).*", is_regex=True), "line\nbreak", True),
    (Matcher("job", r"\pL+", is_regex=True), "Grüße", True),  # Unicode classes, which Python's re lacks
    (Matcher("job", "a.*", is_regex=True, is_equal=False), "api", False),
    (Matcher("job", "a.*", is_regex=True, is_equal=False), "web", True),
])
def test_operators(matcher: Matcher, value: str, expected: bool) -> None:
    assert matcher.matches({"job": value}) is expected


def test_a_missing_label_matches_as_the_empty_string() -> None:
    assert Matcher("team", "").matches({"job": "api"}) is True
    assert Matcher("team", "", is_equal=False).matches({"job": "api"}) is False
    assert Matcher("team", ".*", is_regex=True).matches({}) is True
    assert Matcher("team", ".+", is_regex=True).matches({}) is False
    assert Matcher("team", "db", is_equal=False).matches({}) is True


@pytest.mark.parametrize("regex", [r"(a)\1", "(?=a)a", "(?<=a)b", "(?!a)b", r"a\Z", "a++", "a{1001}", "(", "[a"])
def test_what_re2_refuses_is_refused(regex: str) -> None:
    with pytest.raises(ValueError, match="invalid regular expression"):
        Matcher("job", regex, is_regex=True)


@pytest.mark.parametrize("name", ["", "1job", "job-name", "job name", "jöb"])
def test_label_names_are_prometheus_names(name: str) -> None:
    with pytest.raises(ValueError, match="invalid label name"):
        Matcher(name, "x")


def test_all_match_empty_finds_sets_that_would_match_every_alert() -> None:
    assert all_match_empty([Matcher("a", "")]) is True
    assert all_match_empty([Matcher("a", ".*", is_regex=True), Matcher("b", "x", is_equal=False)]) is True
    assert all_match_empty([Matcher("a", ".*", is_regex=True), Matcher("b", "x")]) is False
    assert all_match_empty([Matcher("a", ".+", is_regex=True)]) is False


def test_matches_all_needs_every_matcher() -> None:
    ms = [Matcher("alertname", "Disk.*", is_regex=True), Matcher("env", "prod")]
    assert matches_all(ms, {"alertname": "DiskFull", "env": "prod"}) is True
    assert matches_all(ms, {"alertname": "DiskFull", "env": "dev"}) is False
    assert matches_all([], {"x": "y"}) is True


def test_string_form_and_json_form() -> None:
    m = Matcher("summary", 'say "hi"\\', is_regex=False, is_equal=False)
    assert str(m) == 'summary!="say \\"hi\\"\\\\"'
    assert str(Matcher("a", "b.*", is_regex=True)) == 'a=~"b.*"'
    assert m.as_json() == {"name": "summary", "value": 'say "hi"\\', "isRegex": False, "isEqual": False}
    assert MatcherIn.model_validate(m.as_json()).matcher() == m


def test_the_json_form_validates_like_the_matcher() -> None:
    assert MatcherIn.model_validate({"name": "a", "value": "b", "isRegex": False}).isEqual is True
    with pytest.raises(ValidationError, match="invalid regular expression"):
        MatcherIn.model_validate({"name": "a", "value": "(", "isRegex": True})
    with pytest.raises(ValidationError, match="invalid label name"):
        MatcherIn.model_validate({"name": "a-b", "value": "x", "isRegex": False})
    with pytest.raises(ValidationError):
        MatcherIn.model_validate({"name": "a", "value": "x"})  # isRegex is required, as in Alertmanager
