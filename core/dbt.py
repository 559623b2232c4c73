"""Run dbt in-process against a database given by URL.

One `dbtRunner` invocation costs about a second after dbt's import, against 4-5 s for each CLI
start (TOOLCHAIN). dbt's profile (dbt_project/profiles.yml) reads the libpq `PG*` variables,
so a run sets them from the URL for its duration.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import TYPE_CHECKING

from psycopg.conninfo import conninfo_to_dict

from factor_engine.core.errors import DbtError
from factor_engine.core.settings import project_root

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterator, Mapping, Sequence

    from dbt.cli.main import dbtRunnerResult
    from dbt_common.events.base_types import EventMsg

__all__ = ["DbtError", "dbt_environment", "run_dbt"]

_LIBPQ_VARIABLES = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "sslmode": "PGSSLMODE",
}

_OPTIONS_VARIABLE = "PGOPTIONS"
# the date a --since build rebuilds from (dbt_project/macros/since.sql: since_date)
_SINCE_VARIABLE = "FACTOR_ENGINE_SINCE"


def dbt_environment(database_url: str) -> dict[str, str]:
    """The `PG*` variables profiles.yml reads, for the database at `database_url`."""
    params = conninfo_to_dict(database_url)
    return {
        variable: str(params[key])
        for key, variable in _LIBPQ_VARIABLES.items()
        if params.get(key) is not None
    }


def run_dbt(
    arguments: Sequence[str],
    database_url: str,
    *,
    settings: Mapping[str, str] | None = None,
    since: dt.date | None = None,
) -> dbtRunnerResult:
    """Invoke `dbt <arguments>` on dbt_project/ against the database; raise DbtError on failure.

    `settings` are PostgreSQL settings for dbt's sessions (passed as libpq's PGOPTIONS, after
    any the environment already has). `since` makes it a --since build: the incremental models
    rebuild from that date on (passed in the environment, not as a dbt var, which would make
    dbt parse the whole project again whenever it changes)."""
    from dbt.cli.main import dbtRunner  # imported late: it costs ~2.5 s

    project = project_root() / "dbt_project"
    errors: list[str] = []

    def collect_errors(event: EventMsg) -> None:
        if event.info.level == "error":
            errors.append(event.info.msg)  # type: ignore[attr-defined]  # protobuf, no stub

    environment = dbt_environment(database_url)
    if settings:
        options = [os.environ.get(_OPTIONS_VARIABLE, "")]
        options += [f"-c {name}={value}" for name, value in settings.items()]
        environment[_OPTIONS_VARIABLE] = " ".join(option for option in options if option)
    if since is not None:
        environment[_SINCE_VARIABLE] = since.isoformat()
    with _environment(environment):
        result = dbtRunner(callbacks=[collect_errors]).invoke(
            [
                *arguments,
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(project),
                # no dbt.log: the in-process runner would leave the file open
                "--log-level-file",
                "none",
            ]
        )
    if not result.success:
        detail = "; ".join(errors) or str(result.exception or "see dbt's output above")
        raise DbtError(f"dbt {' '.join(arguments)} failed: {detail}")
    return result


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    names = [*_LIBPQ_VARIABLES.values(), _OPTIONS_VARIABLE, _SINCE_VARIABLE]
    saved = {name: os.environ.get(name) for name in names}
    for name in [*_LIBPQ_VARIABLES.values(), _SINCE_VARIABLE]:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
