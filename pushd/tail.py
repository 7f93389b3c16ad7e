"""`python -m pushd.tail --channel alerts`: print pushd's push messages as JSON lines.

Reconnects by itself with exponential backoff (capped, so it is back within a few seconds of pushd)
and reports on stderr when `seq` skips, i.e. a message was lost. Sends the token from `$PUSHD_TOKEN`
(or `--token`); exits with status 2 when pushd refuses it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from typing import TextIO

import websockets
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from pushd.hub import CHANNELS
from shared.settings import ClientSettings

BACKOFF_START = 0.25
BACKOFF_MAX = 5.0


def ws_url(base: str, channel: str) -> str:
    scheme, rest = base.rstrip("/").split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws/{channel}"


class SeqChecker:
    """seq starts at 1 on each new connection and grows by one: anything else is a gap."""

    def __init__(self) -> None:
        self.last = 0

    def check(self, seq: int) -> str | None:
        expected = self.last + 1
        self.last = seq
        if seq != expected:
            return f"seq gap: expected {expected}, got {seq} ({seq - expected} message(s) missing)"
        return None


async def tail(url: str, token: str | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
               max_messages: int | None = None) -> None:
    backoff = BACKOFF_START
    received = 0
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    while True:
        try:
            async with connect(url, open_timeout=5, ping_interval=10, ping_timeout=10,
                               additional_headers=headers) as ws:
                print(f"connected to {url}", file=err, flush=True)
                seq = SeqChecker()
                async for raw in ws:
                    backoff = BACKOFF_START  # only a connection that delivers counts as recovered
                    message = json.loads(raw)
                    if (gap := seq.check(message.get("seq", 0))) is not None:
                        print(gap, file=err, flush=True)
                    out.write(raw if isinstance(raw, str) else raw.decode())
                    out.write("\n")
                    out.flush()
                    received += 1
                    if max_messages is not None and received >= max_messages:
                        return
            print("connection closed by pushd", file=err, flush=True)
        except InvalidStatus as exc:
            if exc.response.status_code in (401, 403):  # retrying cannot help: say so and stop
                print(f"refused: HTTP {exc.response.status_code} {exc.response.body.decode(errors='replace')}",
                      file=err, flush=True)
                raise SystemExit(2) from None
            print(f"refused: HTTP {exc.response.status_code}; retrying in {backoff:.2f}s", file=err, flush=True)
        except (TimeoutError, OSError, websockets.WebSocketException) as exc:
            print(f"disconnected: {exc!r}; retrying in {backoff:.2f}s", file=err, flush=True)
        await asyncio.sleep(backoff * random.uniform(0.8, 1.2))
        backoff = min(backoff * 2, BACKOFF_MAX)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pushd.tail", description=__doc__.splitlines()[0])
    parser.add_argument("--channel", choices=CHANNELS, default="alerts")
    settings = ClientSettings()
    parser.add_argument("--url", default=settings.pushd_url, help="pushd base URL (default: $PUSHD_URL)")
    parser.add_argument("--token", default=None,
                        help="API or session token (default: $PUSHD_TOKEN; prefer the variable: arguments show in ps)")
    parser.add_argument("--count", type=int, default=None, help="exit after this many messages")
    args = parser.parse_args(argv)
    try:
        token = args.token or (settings.pushd_token.get_secret_value() if settings.pushd_token else None)
        asyncio.run(tail(ws_url(args.url, args.channel), token, max_messages=args.count))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
