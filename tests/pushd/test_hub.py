"""The hub's fan-out rules: order, seq per subscriber, immediate writes, dropping slow subscribers."""

import asyncio
import itertools
import json

from pushd.hub import Hub, Subscriber, encode_batches, frame


def run(coro):
    return asyncio.run(coro)


async def idle(sub: Subscriber) -> asyncio.Task:
    """A sender task parked in next_batch, as a connection's sender is between messages."""
    task = asyncio.create_task(sub.next_batch())
    await asyncio.sleep(0)
    return task


def test_idle_subscriber_is_written_at_once_with_its_own_seq() -> None:
    async def main() -> None:
        hub = Hub(queue_size=4)
        written: list[str] = []
        sub = hub.subscribe(["alerts"])
        sub.send_now = lambda text: written.append(text) is None
        task = await idle(sub)
        hub.publish("alerts", "alert_event", {"n": 1})
        hub.publish("alerts", "alert_event", {"n": 2})
        assert [(json.loads(w)["seq"], json.loads(w)["data"]["n"]) for w in written] == [(1, 1), (2, 2)]
        assert sub.pending == []
        assert not task.done()  # nobody woke the sender task
        task.cancel()
    run(main())


def test_a_frame_that_cannot_be_written_now_is_queued_without_losing_its_seq() -> None:
    async def main() -> None:
        hub = Hub(queue_size=4)
        sub = hub.subscribe(["alerts"])
        sub.send_now = lambda text: False  # e.g. the socket buffer is full
        task = await idle(sub)
        hub.publish("alerts", "alert_event", {"n": 1})
        batch = await task
        assert [json.loads(sub.frame(c, b))["seq"] for c, b in batch] == [1]
    run(main())


def test_nothing_overtakes_queued_frames() -> None:
    async def main() -> None:
        hub = Hub(queue_size=4)
        written: list[str] = []
        sub = hub.subscribe(["alerts"])
        sub.pending.append(("alerts", '"type":"x","ts":0,"data":0}'))
        sub.send_now = lambda text: written.append(text) is None
        hub.publish("alerts", "alert_event", {"n": 1})
        assert written == []
        assert len(sub.pending) == 2
    run(main())


def test_full_outbox_drops_the_subscriber_and_others_still_get_everything() -> None:
    async def main() -> None:
        drops: list[int] = []
        hub = Hub(queue_size=2, on_drop=lambda: drops.append(1))
        slow, fast = hub.subscribe(["alerts"]), hub.subscribe(["alerts"])
        told: list[bool] = []
        slow.on_drop = lambda: told.append(True)
        for n in range(3):
            hub.publish("alerts", "alert_event", {"n": n})
            fast.pending.clear()  # the fast one keeps up
        assert slow.dropped and not fast.dropped
        assert drops == [1]
        assert told == [True]  # the connection is told, so it can stop its sender and close
        assert slow.pending == []  # what it will never read is not kept
        assert hub.count("alerts") == 1
        assert await slow.next_batch() is None  # its sender stops
    run(main())


def drain(batch) -> list[str]:  # type: ignore[no-untyped-def]
    """What a connection's sender does with a batch: write each message in turn."""
    return [body for _, body in batch]


def test_byte_bound_drops_a_stalled_subscriber_and_frees_what_it_held() -> None:
    async def main() -> None:
        drops: list[int] = []
        hub = Hub(queue_size=100, queue_bytes=2000, on_drop=lambda: drops.append(1))
        stalled, reader = hub.subscribe(["alerts"]), hub.subscribe(["alerts"])
        before: list[int] = []
        while not stalled.dropped:
            before.append(stalled.pending_bytes)
            hub.publish("alerts", "alert_event", {"blob": "x" * 400})
            drain(await reader.next_batch())  # the reader keeps up
        # Dropped by the first publish that found it at the bound, not by the count bound.
        assert before[-1] >= 2000 > before[-2]
        assert len(before) < 100
        assert (stalled.pending, stalled.pending_bytes) == ([], 0)  # what it will never read is not kept
        assert drops == [1]
        assert not reader.dropped and reader.pending_bytes == 0
        assert hub.count("alerts") == 1
    run(main())


def test_a_burst_over_the_bounds_is_taken_whole_by_a_subscriber_that_keeps_up() -> None:
    async def main() -> None:
        hub = Hub(queue_size=4, queue_bytes=2000)
        sub = hub.subscribe(["alerts"])
        items = [{"n": n, "blob": "y" * 100} for n in range(60)]
        assert hub.publish_batch("alerts", "alert_events", "events", items, budget=600) == 1
        queued = sub.pending_bytes
        assert len(sub.pending) > 4 and queued > 2000  # over both bounds, yet taken: its outbox was empty
        batch = await sub.next_batch()
        assert batch is not None
        assert sub.pending_bytes == queued  # still counted while the sender writes them
        bodies = drain(batch)
        assert sub.pending_bytes == 0  # each left the count once written
        events = [e for b in bodies for e in json.loads(sub.frame("alerts", b))["data"]["events"]]
        assert events == items
        # Drained, so the next burst is taken too; had it not been, the next publish would drop it.
        assert hub.publish_batch("alerts", "alert_events", "events", items, budget=600) == 1
        assert hub.publish("alerts", "alert_event", {"n": 60}) == 0
        assert sub.dropped and sub.pending_bytes == 0
    run(main())


def test_a_burst_to_an_idle_subscriber_writes_what_the_socket_takes_and_queues_the_rest_in_order() -> None:
    async def main() -> None:
        hub = Hub(queue_size=4)
        sub = hub.subscribe(["alerts"])
        written: list[str] = []
        sub.send_now = lambda text: not written and written.append(text) is None  # then the buffer is full
        task = await idle(sub)
        hub.publish_batch("alerts", "alert_events", "events", [{"n": n} for n in range(30)], budget=120)
        frames = written + [sub.frame(c, b) for c, b in await task]
        messages = [json.loads(f) for f in frames]
        assert [m["seq"] for m in messages] == list(range(1, len(messages) + 1))
        assert [e["n"] for m in messages for e in m["data"]["events"]] == list(range(30))
        assert len(messages) > 2
    run(main())


def test_batches_are_cut_at_the_budget_in_order_in_as_few_messages_as_fit() -> None:
    items = [{"n": n, "text": "告警" * (n % 7) + "z" * (n * 37 % 300)} for n in range(400)]
    items.insert(123, {"n": "huge", "text": "h" * 5000})  # alone over the budget: a message of its own
    budget = 4096
    bodies = encode_batches("alert_events", "events", items, budget=budget, ts=1.5)
    messages = [json.loads(frame(10**15, b)) for b in bodies]
    chunks = [m["data"]["events"] for m in messages]
    assert [e for c in chunks for e in c] == items
    assert all((m["type"], m["ts"]) == ("alert_events", 1.5) for m in messages)
    sizes = [len(frame(10**15, b).encode()) for b in bodies]  # UTF-8 bytes on the wire, seq included
    assert [c for c, s in zip(chunks, sizes, strict=True) if s > budget] == [[items[123]]]
    # Greedy in order is the fewest: no message could have taken the next one's first event.
    for c, nxt in itertools.pairwise(chunks):
        joined = encode_batches("alert_events", "events", [*c, nxt[0]], budget=10**9, ts=1.5)[0]
        assert len(frame(10**15, joined).encode()) > budget
    assert encode_batches("alert_events", "events", [], budget=budget) == []
