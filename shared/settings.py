"""Every setting of the project, read from the environment in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class PushdSettings(BaseSettings):
    """pushd's settings; each field is read from `PUSHD_<NAME>`."""

    # hide_input_in_errors: a refused PUSHD_ADMIN_PASSWORD or _TOKEN (too short) must not be printed.
    model_config = SettingsConfigDict(env_prefix="PUSHD_", extra="ignore", hide_input_in_errors=True)

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    data_dir: Path = Path("./data")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # "json": one JSON object per line (time, level, logger, message, request_id) for log collectors.
    log_format: Literal["text", "json"] = "text"
    # uvicorn's access log, one line per request (off: the benchmarks' figures are without it).
    access_log: bool = False
    # Proxies whose X-Forwarded-For/-Proto pushd believes (uvicorn's forwarded_allow_ips): comma-separated
    # addresses or networks, "*" for any; empty: believe nobody (docs/deploy.md, "TLS and nginx").
    forwarded_allow_ips: str = "127.0.0.1,::1"

    # Access control. The bootstrap user `admin` gets `admin_password` and an admin API token gets
    # `admin_token`, on every start when set; when unset, both are generated at first start and
    # written once to `credentials_path` (mode 0600).
    admin_password: SecretStr | None = Field(None, min_length=8)
    admin_token: SecretStr | None = Field(None, min_length=16)
    session_hours: float = Field(12.0, gt=0, le=24 * 365)
    metrics_public: bool = False
    # Origins allowed to open a WebSocket, comma-separated; empty means pushd's own origin only.
    allowed_origins: str = ""
    ws_max_per_token: int = Field(2000, ge=1)
    ws_max_total: int = Field(10000, ge=1)
    ws_max_frame_bytes: int = Field(64 * 1024, ge=1024)

    # Resolved alerts (and their history) older than this are deleted.
    alert_retention_days: float = Field(30.0, gt=0)
    # Expired silences stay listed this long after they end (Alertmanager's --data.retention, 120h).
    silence_retention_hours: float = Field(120.0, gt=0)

    # Host sampling and push periods, in seconds.
    sample_seconds: float = Field(5.0, gt=0)
    alerts_period: float = Field(5.0, gt=0)
    metrics_period: float = Field(10.0, gt=0)
    incidents_period: float = Field(5.0, gt=0)
    metrics_retention_hours: float = Field(48.0, gt=0)

    # Built-in host rules: fire when a value stays above its threshold for `alert_for_seconds`.
    cpu_alert_percent: float = Field(90.0, ge=0, le=100)
    memory_alert_percent: float = Field(90.0, ge=0, le=100)
    disk_alert_percent: float = Field(90.0, ge=0, le=100)
    alert_for_seconds: float = Field(120.0, ge=0)
    host_rules_enabled: bool = True

    # Alerts posted to /api/v2/alerts without endsAt resolve after this long without a refresh
    # (Alertmanager's resolve_timeout).
    resolve_timeout: float = Field(300.0, gt=0)

    # SQLite durability: FULL survives power loss too; NORMAL survives a process crash (kill -9).
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    # How long a write waits for a lock held by another process before answering 503.
    sqlite_busy_timeout: float = Field(5.0, gt=0)

    # WebSocket fan-out.
    ws_queue_size: int = Field(256, ge=1)
    # Off by default: compression costs a zlib context per subscriber (memory) and compresses each
    # message once per subscriber (CPU), which is most of the cost of a fan-out to many clients.
    ws_compression: bool = False
    ws_ping_interval: float = Field(20.0, gt=0)
    ws_ping_timeout: float = Field(20.0, gt=0)
    ws_recent_alerts: int = Field(20, ge=1, le=30)  # x 32 KiB per alert (MAX_ALERT_BYTES) < 1 MiB per message
    ws_trend_points: int = Field(60, ge=1, le=5000)

    # An Alertmanager webhook carries a whole group: 5,000 alerts during an outage are about 5 MB.
    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    # Bytes of messages held for one subscriber and not yet written to its socket; a subscriber that
    # a new publish finds at this bound (or at ws_queue_size messages) is closed with 4001.
    ws_queue_bytes: int = Field(8 * 1024 * 1024, ge=64 * 1024)
    # Writes waiting for the SQLite writer; one more is refused at once with 503 and Retry-After.
    write_queue_max: int = Field(1000, ge=1)

    @field_validator("admin_password", "admin_token")
    @classmethod
    def _not_the_example(cls, v: SecretStr | None) -> SecretStr | None:
        # deploy/*.env.example hold "change-me-..." placeholders: a copy started unchanged would give a
        # public admin whose secret is in the repository.
        if v is not None and v.get_secret_value().strip().lower().startswith("change-me"):
            raise ValueError("is still the example's placeholder (change-me-...): set a secret of your own")
        return v

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower(cls, v: object) -> object:
        return v.lower() if isinstance(v, str) else v

    @property
    def db_path(self) -> Path:
        return self.data_dir / "pushd.sqlite3"

    @property
    def credentials_path(self) -> Path:
        return self.data_dir / "initial-credentials.txt"

    @property
    def origins(self) -> frozenset[str]:
        return frozenset(o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip())


class DashboardSettings(BaseSettings):
    """The dashboard's settings; it reaches pushd only through `PUSHD_URL`."""

    model_config = SettingsConfigDict(extra="ignore")

    # Where Streamlit serves the dashboard. The Procfile passes them to `streamlit run` with the same
    # defaults (shell `${DASHBOARD_PORT:-8501}`), since Streamlit reads its own flags, not this class.
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = Field(8501, ge=1, le=65535)
    pushd_url: str = "http://127.0.0.1:8000"
    dashboard_refresh_seconds: float = Field(5.0, ge=0)
    dashboard_language: Literal["zh", "en"] = "zh"
    dashboard_http_timeout: float = Field(3.0, gt=0)


class ClientSettings(BaseSettings):
    """What a command-line client of pushd (`python -m pushd.tail`, scripts) reads: where pushd is and
    the API token to send."""

    model_config = SettingsConfigDict(extra="ignore")

    pushd_url: str = "http://127.0.0.1:8000"
    pushd_token: SecretStr | None = None
