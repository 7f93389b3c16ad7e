"""A local stand-in for the `python:3.11-slim` base image, which cannot be pulled here.

Debian bookworm (its python3 is 3.11, as in the official image) made by debootstrap from the mirror
apt uses on this machine, with python3, python3-venv and python-is-python3, so that the Dockerfile's
`python -m venv` works as on the official image. The root file system is cached as a tar under
CACHE_DIR, keyed by what went into it; a second run only imports it (about 20 s instead of 2 min).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.deploy.buildah import Buildah

SUITE = "bookworm"
PACKAGES = ("python3", "python3-venv", "python-is-python3")
TAG = "docker.io/library/python:3.11-slim"
CACHE_DIR = Path(os.environ.get("PUSHD_TEST_CACHE", "/var/cache/pushd-test"))
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# What the official slim images leave out too: downloaded packages and apt's lists.
TRIM = ("var/cache/apt/archives", "var/lib/apt/lists")


def apt_mirror(etc_apt: Path = Path("/etc/apt")) -> str:
    """The Debian archive apt uses here (sources.list and *.list, or deb822 *.sources), not the
    security archive; deb.debian.org when there is none."""
    uris: list[str] = []
    files = [etc_apt / "sources.list", *sorted((etc_apt / "sources.list.d").glob("*.list")),
             *sorted((etc_apt / "sources.list.d").glob("*.sources"))]
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields = dict(re.findall(r"^([\w-]+):\s*(.*)$", stanza, re.MULTILINE))
                if "deb" in fields.get("Types", "").split() and fields.get("Enabled", "yes") != "no":
                    uris += fields.get("URIs", "").split()
        else:
            uris += re.findall(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)", text, re.MULTILINE)
    for uri in uris:
        if re.search(r"/debian/?$", uri):
            return uri.rstrip("/")
    return DEFAULT_MIRROR


def cache_path(mirror: str) -> Path:
    key = hashlib.sha256(repr((SUITE, mirror, "minbase", sorted(PACKAGES), TRIM)).encode()).hexdigest()[:16]
    return CACHE_DIR / f"python-standin-{SUITE}-{key}.tar"


def root_tarball() -> Path:
    """The stand-in's root file system as a tar, made by debootstrap on the first call only."""
    mirror = apt_mirror()
    tarball = cache_path(mirror)
    if tarball.is_file():
        return tarball
    tarball.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tarball.parent) as tmp:
        root = Path(tmp) / "root"
        result = subprocess.run(["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE,
                                 str(root), mirror], capture_output=True, text=True, timeout=1200, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"debootstrap {SUITE} from {mirror} failed:\n"
                               f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
        for sub in TRIM:
            for entry in (root / sub).glob("*"):
                if entry.is_file():
                    entry.unlink()
        partial = Path(tmp) / "root.tar"
        subprocess.run(["tar", "-C", str(root), "--numeric-owner", "-cf", str(partial), "."], check=True,
                       timeout=600)
        partial.rename(tarball)  # atomic: a run that dies midway leaves no half a cache
        shutil.rmtree(root, ignore_errors=True)
    return tarball


def import_standin(buildah: Buildah) -> None:
    """Tag the stand-in as python:3.11-slim in buildah's storage, with the official image's PATH."""
    tarball = root_tarball()
    ctr = buildah("from", "scratch")
    try:
        buildah("add", ctr, str(tarball), "/")
        buildah("config", "--env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "--env", "LANG=C.UTF-8", "--cmd", '["python3"]', ctr)
        buildah("commit", "--quiet", ctr, TAG)
    finally:
        buildah("rm", ctr)
