"""buildah without a Docker engine: a private storage, the vfs driver, chroot isolation, host network.

Every call runs `buildah --root <dir> --runroot <dir> --storage-driver vfs ...`, so that a test run
touches no storage of the machine and removes all it made. Build secrets carry the host's pip
settings into the build (pip_build_secrets), as a build behind a company proxy needs them.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# pip settings worth carrying into a build; any other (find-links, constraint, a local index) names
# paths of this machine that the build cannot see.
PIP_KEYS = ("index-url", "extra-index-url", "trusted-host", "proxy", "timeout", "default-timeout", "retries")
# Where the Dockerfile mounts the pip-ca secret; a pip.conf passed to the build names it as `cert`.
BUILD_CA_PATH = "/run/secrets/pip-ca"


@dataclass
class Buildah:
    """buildah on a storage of its own under `root`."""

    root: Path

    def base_args(self) -> list[str]:
        return ["buildah", "--root", str(self.root / "storage"), "--runroot", str(self.root / "run"),
                "--storage-driver", "vfs"]

    def __call__(self, *args: str, timeout: float = 600, **kwargs: Any) -> str:
        """Run a buildah command; its stdout, stripped. A failure raises with buildah's stderr."""
        result = subprocess.run([*self.base_args(), *args], capture_output=True, text=True, timeout=timeout,
                                check=False, **kwargs)
        if result.returncode != 0:
            raise RuntimeError(f"buildah {' '.join(args)} failed ({result.returncode}):\n"
                               f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        return result.stdout.strip()

    def image_config(self, image: str) -> dict[str, Any]:
        """The image's Docker-format config (User, Env, Entrypoint, Cmd, Healthcheck, Volumes, ...)."""
        return json.loads(self("inspect", "--type", "image", image))["Docker"]["config"]

    def image_size(self, image: str) -> float:
        """Bytes of the image's layers, uncompressed, as `docker images` counts them (buildah prints
        them to 3 significant digits, e.g. "690 MB")."""
        number, unit = self("images", "--format", "{{.Size}}", image).split()
        return float(number) * {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[unit]

    def remove_all(self) -> None:
        """Remove every container and image of this storage, then the storage itself."""
        for args in (("rm", "--all"), ("rmi", "--all", "--force")):
            subprocess.run([*self.base_args(), *args], capture_output=True, check=False, timeout=300)
        shutil.rmtree(self.root, ignore_errors=True)


def pip_config() -> dict[str, str]:
    """The host's effective pip settings, as `pip config list` shows them (files and PIP_* variables;
    a variable wins over a file, the later file over the earlier), keyed by option name."""
    out = subprocess.run(["python3", "-m", "pip", "config", "list"], capture_output=True, text=True,
                         check=False, timeout=60).stdout
    files: dict[str, str] = {}
    env: dict[str, str] = {}
    for line in out.splitlines():
        m = re.fullmatch(r"(:env:|[\w-]+)\.([\w-]+)='(.*)'", line.strip())
        if m:
            (env if m[1] == ":env:" else files)[m[2]] = m[3]
    return {**files, **env}


def reachable_from_build(value: str) -> str:
    """The URLs of a pip option that a build can reach: no file:// URLs and no local paths."""
    return " ".join(v for v in value.split() if re.match(r"https?://", v))


def host_ca_bundle(config: dict[str, str]) -> Path | None:
    """The CA bundle pip uses on this host (a TLS-intercepting proxy's CA is in it), if any."""
    candidates = [config.get("cert"), os.environ.get("PIP_CERT"), os.environ.get("REQUESTS_CA_BUNDLE"),
                  os.environ.get("SSL_CERT_FILE"), "/etc/ssl/certs/ca-certificates.crt"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def pip_build_secrets(workdir: Path) -> list[str]:
    """`--secret` options that give the build this host's index, proxy and CA bundle (Dockerfile)."""
    config = pip_config()
    options: dict[str, str] = {}
    for key in PIP_KEYS:
        value = config.get(key)
        if value and key.endswith(("index-url", "proxy")):
            value = reachable_from_build(value)
        if value:
            options[key] = value
    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
    if proxy and "proxy" not in options:
        options["proxy"] = proxy
    secrets: list[str] = []
    ca = host_ca_bundle(config)
    if ca is not None:
        options["cert"] = BUILD_CA_PATH
        secrets += ["--secret", f"id=pip-ca,src={ca}"]
    parser = configparser.ConfigParser(interpolation=None)
    parser["global"] = options
    conf = workdir / "pip.conf"
    with conf.open("w") as f:
        parser.write(f)
    return [*secrets, "--secret", f"id=pip.conf,src={conf}"]
