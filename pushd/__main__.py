"""`python -m pushd`: run pushd on uvicorn with the settings from the environment."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import signal
import sys

import uvicorn
from pydantic import ValidationError

from pushd import logs
from pushd.server import uvicorn_config
from pushd.store.migrations import SchemaTooNew, check_not_newer
from shared.settings import PushdSettings

# Young collections every this many net allocations instead of 700: a fan-out to 1,000 subscribers
# allocates that many short-lived objects per event, and each collection is a pause for all of them.
GC_GEN0_THRESHOLD = 20_000
# Exit status for a store pushd must not open (sysexits.h EX_CONFIG): a supervisor should not restart it
# (systemd: RestartPreventExitStatus=78), a person has to act (docs/deploy.md, Upgrades).
EXIT_STORE_TOO_NEW = 78
EXIT_CONFIG = 78  # the same for settings a person has to fix


def tune_malloc(arenas: int = 2, mmap_threshold: int = 1 << 20) -> None:
    """glibc gives each thread that allocates its own malloc arena and rarely hands freed memory
    back; with an event loop plus SQLite threads, capping them (as MALLOC_ARENA_MAX does) keeps
    several MB of resident memory from piling up. A fixed mmap threshold stops glibc from raising
    it after the first large free: without it, scrypt's 16 MiB work buffer (one per login) moved
    into the heap and stayed resident, measured +14 MB. A no-op where libc is not glibc."""
    m_arena_max, m_mmap_threshold = -8, -3
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(m_arena_max, arenas)
        libc.mallopt(m_mmap_threshold, mmap_threshold)


def tune_gc() -> None:
    """Measured under load: full collections paused pushd for over 100 ms, walking the few hundred
    thousand objects that imports leave behind. Freezing them removes them from every collection."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, 20, 20)


def main() -> None:
    tune_malloc()
    try:
        settings = PushdSettings()
    except ValidationError as exc:
        # Settings a person must fix (a placeholder secret, a bad number): a message, not a traceback,
        # and the status a supervisor does not restart on. The values are not shown (secrets).
        print(f"pushd: not starting: invalid settings: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    logs.configure(settings)
    try:
        check_not_newer(settings.db_path)
    except SchemaTooNew as exc:
        logging.getLogger("pushd").error("not starting: %s", exc)
        sys.exit(EXIT_STORE_TOO_NEW)
    config = uvicorn_config(settings)
    config.load()  # imports the protocol modules now, so that the freeze covers them too
    tune_gc()
    exit_cleanly_after_shutdown()
    uvicorn.Server(config).run()


def exit_cleanly_after_shutdown() -> None:
    """uvicorn shuts down gracefully on SIGTERM or SIGINT (in-flight requests finish, subscribers get
    1012), then raises the signal again with the handlers that were there before it started, so that
    the process dies of it (exit status -15). The handlers installed here turn that into exit status
    0: the shutdown was clean, and supervisors (honcho, systemd, a container runtime) should see so."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: sys.exit(0))


if __name__ == "__main__":
    main()
