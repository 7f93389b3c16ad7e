"""deploy/nginx/pushd.conf for real: Debian's nginx on loopback ports with a self-signed certificate in
front of a `python -m pushd` and a `streamlit run`, reached over https:// and wss:// only."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.dashboard.conftest import ADMIN_PASSWORD
from tests.dashboard.test_browser import CHROMIUM, CHROMIUM_ARGS, log_in, streamlit_process, wait_idle
from tests.servers import AUTH, REPO, free_port, pushd_process

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONF = REPO / "deploy" / "nginx" / "pushd.conf"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(NGINX).exists(), reason="needs Debian's nginx package"),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a certificate"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium package at /usr/bin/chromium"),
]


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def substitute(text: str, replacements: dict[str, str]) -> str:
    """The lines the file marks "substitute", each found exactly once (else the file changed shape)."""
    for old, new in replacements.items():
        assert text.count(old) == 1, f"{old!r} is not in {CONF.name} exactly once"
        text = text.replace(old, new)
    return text


@dataclass
class Proxy:
    https: str  # the public origin
    http: str
    cert: Path
    error_log: Path


@contextmanager
def nginx(folder: Path, pushd_port: int, dashboard_port: int) -> Iterator[Proxy]:
    """nginx in the foreground with its own prefix, pid, logs and temp paths, on free loopback ports."""
    folder.mkdir()
    cert, key = self_signed(folder)
    https_port, http_port = free_port(), free_port()
    site = substitute(CONF.read_text(), {
        "server pushd:8000;": f"server 127.0.0.1:{pushd_port};",
        "server dashboard:8501;": f"server 127.0.0.1:{dashboard_port};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "return 301 https://$host$request_uri;": f"return 301 https://$host:{https_port}$request_uri;",
        "/etc/nginx/tls/fullchain.pem;": f"{cert};",
        "/etc/nginx/tls/privkey.pem;": f"{key};",
    })
    (folder / "pushd.conf").write_text(site)
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                             "scgi"))
    (folder / "nginx.conf").write_text(f"""{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} info;
events {{ worker_connections 1024; }}
http {{
    access_log {folder / "access.log"};
{temp}
    include {folder / "pushd.conf"};
}}
""")
    cmd = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]
    checked = subprocess.run([*cmd, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            assert proc.poll() is None, (folder / "error.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not listen in 10 s"
                time.sleep(0.05)
        yield Proxy(f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", cert, folder / "error.log")
    finally:
        proc.terminate()  # SIGTERM: nginx's fast shutdown
        proc.wait(timeout=10)


def raw_get(proxy: Proxy, tls: ssl.SSLContext, path: str) -> str:
    """GET `path` exactly as written (HTTP clients normalise dot segments away), with the admin token."""
    host, port = proxy.https.removeprefix("https://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw, \
            tls.wrap_socket(raw, server_hostname=host) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: {AUTH['Authorization']}\r\n"
                     "Connection: close\r\n\r\n".encode())
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks).decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 "), answer[:200]
    return answer


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_pushd_and_the_dashboard_behind_nginx_over_tls(tmp_path: Path) -> None:
    env = {"PUSHD_HOST_RULES_ENABLED": "false", "PUSHD_SAMPLE_SECONDS": "60", "PUSHD_ADMIN_PASSWORD": ADMIN_PASSWORD,
           "PUSHD_LOG_FORMAT": "json", "PUSHD_ACCESS_LOG": "true"}  # and PUSHD_FORWARDED_ALLOW_IPS' default
    with pushd_process(tmp_path / "pushd" / "data", **env) as (api, _), streamlit_process(api) as dash, \
            nginx(tmp_path / "nginx", port_of(api), port_of(dash)) as proxy:
        tls = ssl.create_default_context(cafile=str(proxy.cert))
        wss = proxy.https.replace("https://", "wss://")
        with httpx.Client(base_url=proxy.https, verify=tls, timeout=10) as public:
            # A tool's subscriber over wss://, then an alert over https://: its push arrives.
            with connect(f"{wss}/ws/alerts", ssl=tls, additional_headers=AUTH, open_timeout=10) as sub:
                assert json.loads(sub.recv(timeout=10))["type"] == "alerts_update"
                posted = public.post("/api/v1/alerts", headers=AUTH,
                                     json={"labels": {"alertname": "ViaNginxTLS", "instance": "db1"},
                                           "severity": "critical"})
                assert posted.status_code == 200, posted.text
                deadline = time.monotonic() + 10
                while True:
                    message = json.loads(sub.recv(timeout=max(0.1, deadline - time.monotonic())))
                    if message["type"].startswith("alert_event") and "ViaNginxTLS" in json.dumps(message):
                        break
            # A browser page of the public origin may open a push socket; a page of another site may not.
            ticket = public.post("/api/v1/auth/ws-ticket", headers=AUTH).json()["ticket"]
            with connect(f"{wss}/ws/alerts", ssl=tls, origin=proxy.https, open_timeout=10,
                         subprotocols=["pushd.v1", f"pushd.ticket.{ticket}"]) as sub:
                assert json.loads(sub.recv(timeout=10))["type"] == "alerts_update"
            with pytest.raises(InvalidStatus) as refused:
                connect(f"{wss}/ws/alerts", ssl=tls, origin="https://evil.example", additional_headers=AUTH,
                        open_timeout=10)
            assert refused.value.response.status_code == 403

            # pushd's Prometheus metrics are not served through the proxy, however the path is spelled.
            assert "pushd_http_request_duration_seconds" in httpx.get(f"{api}/metrics", headers=AUTH).text
            assert '"actor":"token:admin"' in raw_get(proxy, tls, "/api/v1/me")  # raw_get reaches pushd when it may
            for path in ("/metrics", "/api/../metrics", "/api/%2e%2e/metrics", "/api/..%2fmetrics", "//metrics",
                         "/ws/../metrics", "/healthz/../metrics", "/api/v1/../../metrics", "/metrics?x=1"):
                answer = raw_get(proxy, tls, path)
                assert "pushd_" not in answer and "# HELP" not in answer, (path, answer[:300])

            # Every answer through the proxy carries the security headers, the API's and the dashboard's.
            for answer in (posted, public.get("/")):
                assert (answer.headers["x-content-type-options"], answer.headers["x-frame-options"]) == (
                    "nosniff", "SAMEORIGIN")
                assert answer.headers["strict-transport-security"] == "max-age=31536000"

            # The request id nginx made is pushd's too: in its answer and in its access log.
            rid = posted.headers["x-request-id"]
            assert re.fullmatch("[0-9a-f]{32}", rid)
            pushd_log = (tmp_path / "pushd" / f"pushd-{port_of(api)}.log").read_text().splitlines()
            (line,) = [x for x in map(json.loads, pushd_log) if x.get("request_id") == rid]
            assert line["path"] == "/api/v1/alerts" and line["status"] == 200

        # Plain HTTP only redirects, to the same path on HTTPS.
        redirect = httpx.get(f"{proxy.http}/alerts?status=firing", follow_redirects=False)
        assert redirect.status_code == 301
        assert redirect.headers["location"] == f"{proxy.https}/alerts?status=firing"

        # The dashboard through the proxy, with its own WebSocket (/_stcore/stream): log in, see the alert.
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                context = browser.new_context(ignore_https_errors=True, viewport={"width": 1440, "height": 1100})
                page = context.new_page()
                page.goto(f"{proxy.http}/alerts")  # typed without https: redirected
                expect(page.get_by_test_id("stForm")).to_be_visible(timeout=30_000)
                assert page.url == f"{proxy.https}/alerts"
                wait_idle(page)
                log_in(page, "admin", ADMIN_PASSWORD)
                expect(page.locator("h1").first).to_have_text("Alert center", timeout=30_000)
                expect(page.get_by_text("1 matching, showing 1–1")).to_be_visible(timeout=15_000)
                wait_idle(page)
                page.get_by_label("Show alert").click()
                page.get_by_role("option", name=re.compile("ViaNginxTLS")).click()
                expect(page.get_by_text(re.compile(r"#\d+\s+ViaNginxTLS"))).to_be_visible(timeout=15_000)
            finally:
                browser.close()
        assert "[emerg]" not in proxy.error_log.read_text()
