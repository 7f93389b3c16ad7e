"""The hub's fan-out rules: order, seq per subscriber, immediate writes, dropping slow subscribers."""

import asyncio
import json

from pushd.hub import Hub, Subscriber


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
