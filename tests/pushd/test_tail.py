from pushd.tail import SeqChecker, ws_url


def test_seq_checker_reports_gaps_only() -> None:
    seq = SeqChecker()
    assert [seq.check(n) for n in (1, 2, 3)] == [None, None, None]
    assert seq.check(6) == "seq gap: expected 4, got 6 (2 message(s) missing)"
    assert seq.check(7) is None


def test_ws_url() -> None:
    assert ws_url("http://127.0.0.1:8000/", "alerts") == "ws://127.0.0.1:8000/ws/alerts"
    assert ws_url("https://pushd.example", "metrics") == "wss://pushd.example/ws/metrics"
