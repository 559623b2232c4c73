"""The failures of the engine's own commands that a user is meant to read, not a traceback.

They live apart from the modules that raise them so that the CLI can name them without
importing alembic, dbt or the risk model: `factor-engine --help` and every command start faster.
"""

from __future__ import annotations

__all__ = [
    "DatabaseNotAvailableError",
    "DbtError",
    "EmbeddedClusterError",
    "MigrationError",
    "SettingsError",
]


class SettingsError(ValueError):
    """An environment variable holds a value the engine cannot use."""


class DatabaseNotAvailableError(RuntimeError):
    """No database is configured, or the configured one does not answer."""


class EmbeddedClusterError(RuntimeError):
    """The embedded cluster could not be created, started or stopped; the message says why."""


class MigrationError(RuntimeError):
    """The requested revision does not exist, or the database is on an unknown revision."""


class DbtError(RuntimeError):
    """A dbt command failed; the message carries dbt's own explanation."""
