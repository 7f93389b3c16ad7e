"""The image's HEALTHCHECK: exit 0 when every program the container serves answers its health route.

`python healthcheck.py [pushd|dashboard|all]`; without an argument it probes what the image's command
started (the entrypoint writes it to MODE_FILE), and both programs when that is unknown. pushd's
`/healthz` answers 200 while its store answers; Streamlit's `/_stcore/health` answers 200 once the
dashboard server runs. Standard library only: the image has no curl.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

MODE_FILE = Path("/tmp/pushd-image.mode")
TIMEOUT = 4.0  # seconds per probe; the Dockerfile's --timeout is 10 s for both


def local_host(listen: str) -> str:
    """The address to probe a server that listens on `listen`: loopback for a wildcard."""
    if listen in ("", "0.0.0.0"):
        return "127.0.0.1"
    if listen == "::":
        return "[::1]"
    return f"[{listen}]" if ":" in listen else listen


def probes(mode: str) -> list[str]:
    """The health URLs of the programs that `mode` runs."""
    env = os.environ
    pushd = f"http://{local_host(env.get('PUSHD_HOST', '0.0.0.0'))}:{env.get('PUSHD_PORT', '8000')}/healthz"
    dashboard = (f"http://{local_host(env.get('DASHBOARD_HOST', '0.0.0.0'))}:"
                 f"{env.get('DASHBOARD_PORT', '8501')}/_stcore/health")
    return {"pushd": [pushd], "dashboard": [dashboard]}.get(mode, [pushd, dashboard])


def current_mode() -> str:
    try:
        return MODE_FILE.read_text().strip()
    except OSError:
        return "all"


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else current_mode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an HTTP(S)_PROXY
    for url in probes(mode):
        try:
            with opener.open(url, timeout=TIMEOUT) as response:
                status = response.status
        except OSError as e:  # URLError and HTTPError are OSErrors
            print(f"unhealthy: {url}: {e}", file=sys.stderr)
            return 1
        if status != 200:
            print(f"unhealthy: {url}: HTTP {status}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
