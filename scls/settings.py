"""The engine's settings: environment variables (prefix SCLS_) over an optional TOML file.

The file is `scls.toml` in the working folder, or the path in SCLS_CONFIG_FILE. A wrong
or missing setting is reported by `SettingsError` with the variable's name, never a
stack trace.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from mail.smtp import SmtpSettings

if TYPE_CHECKING:
    from domain.data_protection.retention import RetentionPolicy

# The file types the record accepts unless SCLS_DOCUMENTS_CONTENT_TYPES says otherwise.
DEFAULT_CONTENT_TYPES = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
    "text/plain",
)

ENV_PREFIX = "SCLS_"
CONFIG_FILE_VARIABLE = "SCLS_CONFIG_FILE"
DEFAULT_CONFIG_FILE = "scls.toml"


class SettingsError(Exception):
    """A setting is wrong or missing; the message names each one and says what is wrong."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    # Temporal
    temporal_address: str = Field(
        default="127.0.0.1:7233", description="host:port of the Temporal frontend"
    )
    temporal_namespace: str = "default"
    temporal_task_queue: str = "scls-programme"
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None
    temporal_api_key: SecretStr | None = None

    # Postgres: when unset, `scls dev` runs an embedded server in the data folder. The
    # worker, the console and the CLI connect with SCLS_DATABASE_URL, as the application
    # role (it may read and append events, never change them); `scls db migrate` with
    # SCLS_DATABASE_OWNER_URL, as the role that owns the schema (default: the same URL).
    database_url: str | None = None
    database_owner_url: str | None = None

    # The keys that encrypt every Temporal payload (scls/payload_keys.py): the keyring
    # itself, or a file holding it; unset, `payload-keys` in the data folder.
    payload_keys: SecretStr | None = None
    payload_keys_file: Path | None = None

    # Where the embedded stack keeps its files.
    data_dir: Path = Path(".scls")

    # Ports of the embedded stack (`scls dev`).
    dev_temporal_port: int = Field(default=7233, ge=1, le=65535)
    dev_temporal_ui_port: int = Field(default=8233, ge=1, le=65535)
    dev_postgres_port: int = Field(default=54329, ge=1, le=65535)

    # Mail
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_sender: str = "scls@localhost"

    # The web console (`scls web`, and `scls dev`). Without a secret, one is made and kept
    # in the data folder; set one in production, the same on every instance.
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8000, ge=1, le=65535)
    web_secret: SecretStr | None = None
    # The address people reach the console at, for links in mail (default: as requested).
    web_base_url: str | None = None
    # Session cookies only over https (the Secure flag); unset: on when the base URL is https.
    web_secure_cookies: bool | None = None

    # The codec endpoint (the console's /codec) for the Temporal Web UI and CLI: the bearer
    # token that opens it (unset: made and kept in the data folder as `codec-token`), and
    # the Web UI origins allowed to call it from a browser (comma-separated).
    codec_token: SecretStr | None = None
    codec_origins: str = ""

    # The document store (files of evidence and reports; scls/documents.py): a folder
    # (default: the data folder's documents/), or an S3-compatible bucket when one is named.
    documents_dir: Path | None = None
    documents_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    documents_content_types: tuple[str, ...] = tuple(DEFAULT_CONTENT_TYPES)
    documents_s3_bucket: str | None = None
    documents_s3_endpoint_url: str | None = None  # for a store other than AWS's
    documents_s3_region: str | None = None
    documents_s3_prefix: str = "documents/"
    # Unset: boto3's own chain (environment, instance role, ~/.aws).
    documents_s3_access_key_id: str | None = None
    documents_s3_secret_access_key: SecretStr | None = None

    # The retention policy (docs/data-protection.md), applied nightly: a participant's
    # personal content so many years after they leave, console sign-ins and mail bodies
    # so many days.
    retention_participant_years: int = Field(default=6, ge=1)
    retention_sign_in_days: int = Field(default=365, ge=1)
    retention_mail_body_days: int = Field(default=90, ge=1)

    # Logging: "auto" writes readable lines to a terminal and JSON lines otherwise.
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    # --- Running in production: probes, metrics, traces, worker versioning -------------
    # The worker's HTTP server (/healthz, /readyz, /metrics); unset, it serves none.
    worker_http_host: str = "127.0.0.1"
    worker_http_port: int | None = Field(default=None, ge=1, le=65535)
    # host:port of the Temporal SDK's own Prometheus endpoint in the worker; unset: off.
    temporal_metrics_address: str | None = None
    # OpenTelemetry traces by OTLP/HTTP (e.g. http://otel-collector:4318); unset: off.
    otlp_endpoint: str | None = None
    # Worker Versioning (docs/versioning.md): both or neither.
    worker_deployment_name: str | None = None
    worker_build_id: str | None = None

    @property
    def smtp(self) -> SmtpSettings:
        """The mail server settings, as the mail code takes them."""
        return SmtpSettings(
            host=self.smtp_host,
            port=self.smtp_port,
            username=self.smtp_username,
            password=self.smtp_password,
            starttls=self.smtp_starttls,
            sender=self.smtp_sender,
        )

    @field_validator("temporal_address", "temporal_metrics_address")
    @classmethod
    def _host_and_port(cls, value: str | None) -> str | None:
        if value is None:
            return value
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"must be host:port, got {value!r}")
        return value

    @field_validator("otlp_endpoint")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http:// or https:// URL, got {value!r}")
        return value

    @model_validator(mode="after")
    def _deployment_with_build(self) -> Settings:
        if (self.worker_deployment_name is None) != (self.worker_build_id is None):
            raise ValueError(
                "SCLS_WORKER_DEPLOYMENT_NAME and SCLS_WORKER_BUILD_ID must be given together"
            )
        return self

    @field_validator("database_url", "database_owner_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("postgres://", "postgresql://")):
            raise ValueError(
                "must start with postgresql:// (for example postgresql://user@host/db)"
            )
        return value

    @field_validator("temporal_tls_cert", "temporal_tls_key", "temporal_tls_ca")
    @classmethod
    def _file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _cert_with_key(self) -> Settings:
        if (self.temporal_tls_cert is None) != (self.temporal_tls_key is None):
            raise ValueError(
                "SCLS_TEMPORAL_TLS_CERT and SCLS_TEMPORAL_TLS_KEY must be given together"
            )
        return self

    @property
    def secure_cookies(self) -> bool:
        """Whether the console's cookies carry the Secure flag (sent over https only)."""
        if self.web_secure_cookies is not None:
            return self.web_secure_cookies
        return (self.web_base_url or "").lower().startswith("https://")

    @property
    def retention_policy(self) -> RetentionPolicy:
        from domain.data_protection.retention import RetentionPolicy

        return RetentionPolicy(
            participant_years=self.retention_participant_years,
            sign_in_days=self.retention_sign_in_days,
            mail_body_days=self.retention_mail_body_days,
        )

    @property
    def codec_origin_list(self) -> list[str]:
        origins = (origin.strip().rstrip("/") for origin in self.codec_origins.split(","))
        return [origin for origin in origins if origin]

    @property
    def uses_tls(self) -> bool:
        return (
            self.temporal_tls_cert is not None
            or self.temporal_tls_ca is not None
            or self.temporal_api_key is not None
        )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file()
        if config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)


def _config_file() -> Path | None:
    named = os.environ.get(CONFIG_FILE_VARIABLE)
    if named:
        path = Path(named)
        if not path.is_file():
            raise SettingsError(f"{CONFIG_FILE_VARIABLE}: no such file: {path}")
        return path
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.is_file() else None


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's errors into one message per wrong setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"])
            name = f"{ENV_PREFIX}{field.upper()}" if field else "settings"
            message = problem["msg"].removeprefix("Value error, ")
            lines.append(f"{name}: {message}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
    except ValueError as error:  # a malformed TOML file
        raise SettingsError(f"settings file: {error}") from None
