"""Settings read from the environment (and `.env`), validated once at start-up."""

from __future__ import annotations

import os
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.outbound.config import parse_networks

# Used only when TESSERA_ENV=dev/test; prod refuses to start without real secrets.
_DEV_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me-0123456789"
_DEV_APP_DB_PASSWORD = "tessera-app-dev"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    tessera_env: Literal["dev", "test", "prod"] = "dev"

    # DATABASE_URL is the owner role: migrations and operator commands use it.
    database_url: str = ""
    # The API and workers connect as this role, which owns nothing and cannot bypass RLS.
    app_db_user: str = "tessera_app"
    app_db_password: SecretStr | None = None
    redis_url: str = ""
    # How long a worker may go silent before another takes over its unfinished messages, and how
    # often (per million queue commands) workers look for such messages.
    queue_heartbeat_timeout_ms: int = Field(60_000, ge=1000)
    queue_maintenance_chance: int = Field(1000, ge=1, le=1_000_000)
    # A stopped worker process is gone within this many seconds; jobs still running then are cut
    # short and run again elsewhere (`tessera worker --shutdown-timeout` overrides it).
    worker_shutdown_timeout_seconds: int = Field(30, ge=1, le=3600)

    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_secret: SecretStr | None = None
    jwt_issuer: str = "tessera"
    jwt_audience: str = "tessera-api"
    access_token_ttl_seconds: int = Field(900, ge=60, le=86400)
    refresh_token_ttl_seconds: int = Field(30 * 86400, ge=3600)

    graphiql: bool | None = None
    # Origins whose pages may call the API from a browser (CORS and WebSocket handshakes), comma-
    # separated: exact (`https://app.example.com`) or with `*` wildcards (`https://*.example.com`,
    # `http://localhost:*`), or `*` for any. Unset: the common dev servers' origins in dev/test,
    # none in prod. Empty: none.
    cors_origins: str | None = None
    cors_allow_credentials: bool = (
        False  # cookies/HTTP auth on cross-origin calls (tokens need none)
    )
    cors_max_age_seconds: int = Field(
        600, ge=0, le=86400
    )  # how long browsers may cache a preflight
    # Subscriptions over WebSocket (docs/frontend.md).
    subscriptions_per_connection: int = Field(20, ge=1, le=1000)
    subscriptions_per_tenant: int = Field(1000, ge=1)  # at once, in each API process
    subscription_queue_size: int = Field(
        100, ge=1, le=100_000
    )  # events waiting before a subscriber is dropped
    subscription_ping_seconds: float = Field(20.0, gt=0, le=3600)
    subscription_auth_check_seconds: float = Field(60.0, gt=0, le=3600)
    subscription_init_timeout_seconds: float = Field(10.0, gt=0, le=600)
    job_progress_poll_seconds: float = Field(
        1.0, gt=0, le=60
    )  # how often jobProgress reads its job
    introspection: bool | None = None
    # `standard` runs graphql-core's own executor: the reference the fast one is tested against.
    graphql_executor: Literal["fast", "standard"] = "fast"
    # Lists answered by one statement that builds their JSON (fast executor only); off: the
    # resolver path for every list.
    compiled_reads: bool = True
    max_query_depth: int = Field(12, ge=2)
    max_query_tokens: int = Field(2000, ge=50)
    max_aliases: int = Field(30, ge=1)
    max_batch_operations: int = Field(10, ge=1)
    max_request_bytes: int = Field(1_000_000, ge=1024)
    # Files (docs/data.md): an upload to import, an attachment, rows of one import or export,
    # and how long a signed download link works.
    max_upload_bytes: int = Field(50 * 1024 * 1024, ge=1024)
    max_attachment_bytes: int = Field(25 * 1024 * 1024, ge=1024)
    max_import_rows: int = Field(200_000, ge=1)
    max_export_rows: int = Field(200_000, ge=1)
    download_link_seconds: int = Field(3600, ge=60, le=7 * 86400)
    # Where files' bytes are kept (docs/operations.md, "File storage"): `directory` (FILES_DIR,
    # by default <DATA_DIR>/files) or `s3`, any S3-compatible store (S3_BUCKET required; S3_ENDPOINT_URL
    # for a server other than AWS; credentials from S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY or
    # boto3's usual chain). Keys are <S3_PREFIX><tenant id>/<file id> in either.
    file_storage: Literal["directory", "s3"] = "directory"
    files_dir: str = ""
    s3_bucket: str = ""
    s3_prefix: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr | None = None
    s3_path_style: bool = False
    # Records of one object a duplicate scan reads (docs/data.md).
    max_duplicate_scan_records: int = Field(200_000, ge=1)
    # Connections each API process keeps to PostgreSQL; one request holds one while it runs.
    db_pool_size: int = Field(10, ge=1, le=1000)
    tenant_rate_limit_per_minute: int = Field(3000, ge=0)
    token_rate_limit_per_minute: int = Field(600, ge=0)
    login_rate_limit_per_identity: int = Field(10, ge=0)
    login_rate_limit_per_client: int = Field(100, ge=0)
    login_rate_limit_window_seconds: int = Field(300, ge=1)

    # Outgoing HTTP calls and email (automation actions, webhooks). Private, loopback and
    # link-local addresses are refused unless a network here allows them (comma-separated CIDRs).
    outbound_allowed_networks: str = ""
    outbound_timeout_seconds: float = Field(5.0, gt=0, le=60)
    smtp_url: str = ""
    mail_from: str = "Tessera <no-reply@tessera.invalid>"

    # SLA timers (warnings, breaches, escalations) the scheduler fires per transaction.
    sla_timer_batch: int = Field(500, ge=1, le=10_000)
    # How long a satisfaction survey link stays valid.
    survey_link_days: int = Field(14, ge=1, le=365)
    # Invitation and password reset links (docs/authentication.md): the frontend page they open,
    # and how long each works.
    app_url: str = "http://localhost:5173"
    invitation_link_hours: int = Field(72, ge=1, le=30 * 24)
    password_reset_link_minutes: int = Field(60, ge=5, le=24 * 60)

    host: str = "127.0.0.1"
    port: int = 8000
    # Prometheus metrics. With METRICS_PORT set, each process (API, worker, relay, scheduler)
    # serves its own on that port of METRICS_HOST, apart from the API's clients. /metrics on the
    # API port is for development: off in prod, and wherever METRICS_PORT is set, unless
    # METRICS_ON_API_PORT says otherwise.
    metrics_port: int | None = Field(None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    metrics_on_api_port: bool | None = None
    log_level: str = "INFO"
    data_dir: str = ".data"

    @field_validator("outbound_allowed_networks")
    @classmethod
    def _networks_parse(cls, value: str) -> str:
        parse_networks(value)  # ValueError names the bad entry
        return value

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Settings:
        if self.file_storage == "s3" and not self.s3_bucket:
            raise ValueError("FILE_STORAGE=s3 requires S3_BUCKET")
        if self.s3_prefix and not self.s3_prefix.endswith("/"):
            raise ValueError("S3_PREFIX must end with '/' (e.g. 'tessera/')")
        return self

    @model_validator(mode="after")
    def _secrets_required_in_prod(self) -> Settings:
        if self.tessera_env == "prod":
            missing = [
                name
                for name, value in (
                    ("JWT_SECRET", self.jwt_secret),
                    ("APP_DB_PASSWORD", self.app_db_password),
                    ("DATABASE_URL", self.database_url or None),
                    ("REDIS_URL", self.redis_url or None),
                )
                if value is None
            ]
            if missing:
                raise ValueError(f"TESSERA_ENV=prod requires {', '.join(missing)}")
            if len(self.jwt_secret.get_secret_value()) < 32:  # type: ignore[union-attr]
                raise ValueError("JWT_SECRET must be at least 32 characters")
            if self.jwt_secret.get_secret_value() == _DEV_JWT_SECRET:  # type: ignore[union-attr]
                raise ValueError(
                    "JWT_SECRET must not be the development secret published in tessera/settings.py"
                )
        return self

    def files_directory(self) -> str:
        return self.files_dir or os.path.join(self.data_dir, "files")

    @property
    def is_prod(self) -> bool:
        return self.tessera_env == "prod"

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else not self.is_prod

    @property
    def cors_origin_list(self) -> tuple[str, ...] | None:
        """The configured origins; None when CORS_ORIGINS is unset (the environment decides)."""
        if self.cors_origins is None:
            return None
        return tuple(o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip())

    @property
    def metrics_on_api_port_enabled(self) -> bool:
        if self.metrics_on_api_port is not None:
            return self.metrics_on_api_port
        return not self.is_prod and self.metrics_port is None

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else not self.is_prod

    def jwt_secret_value(self) -> str:
        return self.jwt_secret.get_secret_value() if self.jwt_secret else _DEV_JWT_SECRET

    def app_db_password_value(self) -> str:
        if self.app_db_password:
            return self.app_db_password.get_secret_value()
        return _DEV_APP_DB_PASSWORD

    def app_database_url(self) -> str:
        """DATABASE_URL with the application role's credentials in place of the owner's."""
        return with_credentials(self.database_url, self.app_db_user, self.app_db_password_value())


def with_credentials(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


def load_settings() -> Settings:
    return Settings()
