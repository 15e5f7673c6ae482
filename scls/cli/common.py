"""What every command does first: read the settings and set up logging."""

from __future__ import annotations

from scls.logging import configure_logging
from scls.settings import Settings, load_settings


def settings_and_logging() -> Settings:
    settings = load_settings()
    configure_logging(settings)
    return settings
