"""Run an image's own command with `buildah run`, as a container runtime would, and stop it as one does.

`buildah run --isolation chroot --network host` shares the host's network and process namespaces:
the test reaches the servers on 127.0.0.1 and sees their processes in /proc. It does not forward
SIGTERM to the command (it kills its own child and orphans the rest), so `stop` sends SIGTERM to
the image's command itself, the first process of the tree that runs as the image's user.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from tests.deploy.buildah import Buildah


def children_map() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ")".
            text = stat.read_text()
            ppid = int(text.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(stat.parent.name))
    return tree


def descendants(pid: int) -> list[int]:
    """The processes under `pid`, parents before their children."""
    tree, found, todo = children_map(), [], [pid]
    while todo:
        kids = sorted(tree.get(todo.pop(0), []))
        found += kids
        todo += kids
    return found


def uids(pid: int) -> tuple[int, ...]:
    """Real, effective, saved and file-system uid of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return tuple(int(u) for u in line.split()[1:])
    raise LookupError(pid)


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_text().split("\0")[:-1]


@dataclass
class Running:
    """An image's command running under `buildah run` in the working container `ctr`."""

    buildah: Buildah
    ctr: str
    proc: subprocess.Popen
    log: Path

    def processes(self) -> list[int]:
        """The command's processes (those that do not run as root, i.e. not buildah's own)."""
        return [p for p in descendants(self.proc.pid) if _alive_uid(p) not in (None, 0)]

    def find(self, *words: str) -> list[int]:
        """The command's processes whose arguments include each of `words` (or a path ending in it)."""
        def has(argv: list[str], word: str) -> bool:
            return any(a == word or a.endswith(f"/{word}") for a in argv)
        return [p for p in self.processes() if all(has(_safe_cmdline(p), w) for w in words)]

    def exec(self, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Run another command in the same container (as `docker exec` does), with `env` added."""
        flags = [f"--env={k}={v}" for k, v in (env or {}).items()]
        return subprocess.run([*self.buildah.base_args(), "run", "--isolation", "chroot", "--network", "host",
                               *flags, self.ctr, "--", *argv], capture_output=True, text=True, timeout=120,
                              check=False)

    def command_pid(self) -> int | None:
        """The image's command: the first process under buildah's own (`buildah-chroot-exec`, which
        runs as the image's user too but only waits for the command)."""
        for pid in self.processes():
            argv = _safe_cmdline(pid)
            if argv and "buildah" not in argv[0]:
                return pid
        return None

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM to the image's command, as `docker stop` does; buildah run's exit status, which
        is the command's. Whatever is left after `timeout` is killed and the test fails."""
        tree = descendants(self.proc.pid)
        command = self.command_pid()
        if command is not None and self.proc.poll() is None:
            os.kill(command, signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            raise AssertionError(f"the container did not stop within {timeout}s of SIGTERM") from None
        finally:
            for pid in reversed(tree):  # nothing may outlive the container, even when the test failed
                with suppress(ProcessLookupError):
                    if _alive_uid(pid) in (None, 0):
                        continue
                    os.kill(pid, signal.SIGKILL)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _safe_cmdline(pid: int) -> list[str]:
    try:
        return cmdline(pid)
    except OSError:
        return []


def _alive_uid(pid: int) -> int | None:
    try:
        return uids(pid)[0]
    except (OSError, LookupError):
        return None


@contextmanager
def run_image(buildah: Buildah, image: str, workdir: Path, env: dict[str, str],
              command: list[str] | None = None, ctr: str | None = None) -> Iterator[Running]:
    """Run the image's ENTRYPOINT with `command` (default: its CMD) in a new working container, or
    in `ctr` again (the same file system, as `docker restart` keeps it); stop it on the way out."""
    config = buildah.image_config(image)
    argv = [*(config.get("Entrypoint") or []), *(command if command is not None else config.get("Cmd") or [])]
    ctr = ctr or buildah("from", "--pull=never", image)
    log = workdir / f"{ctr}-{time.monotonic_ns()}.log"
    flags = [f"--env={k}={v}" for k, v in env.items()]
    with log.open("w") as out:
        proc = subprocess.Popen([*buildah.base_args(), "run", "--isolation", "chroot", "--network", "host", *flags,
                                 ctr, "--", *argv], stdout=out, stderr=subprocess.STDOUT)
    running = Running(buildah, ctr, proc, log)
    try:
        yield running
    finally:  # the working container stays, for a restart; Buildah.remove_all removes it with the rest
        if proc.poll() is None:
            with suppress(AssertionError):
                running.stop()
