"""The CLI as a user runs it: help, migrate and doctor against a real database."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from factor_engine.core.cli import main
from factor_engine.core.migrate import head_revision
from factor_engine.core.settings import project_root


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def test_help_explains_every_command() -> None:
    code, output = run("--help")
    assert code == 0
    for command in ("db", "migrate", "doctor"):
        assert command in output
    assert "DATABASE_URL" in output
    code, output = run("db", "--help")
    assert code == 0
    for command in ("start", "stop", "status"):
        assert command in output


def test_the_cli_starts_without_importing_what_its_commands_run() -> None:
    """Every command (and --help) pays for what the CLI module imports: the heavy libraries come
    in only with the command that uses them."""
    heavy = ["alembic", "dbt", "numpy", "polars", "httpx", "ib_async", "adbc_driver_manager"]
    probe = (
        "import sys, factor_engine.core.cli; "
        f"print(','.join(name for name in {heavy!r} if name in sys.modules))"
    )
    imported = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert imported == ""


@pytest.mark.db
def test_doctor_fails_on_an_unmigrated_database_and_says_what_to_do(
    empty_database_url: str,
) -> None:
    code, output = run("doctor", env={"DATABASE_URL": empty_database_url})
    assert code == 1
    assert "not migrated" in output
    assert "run factor-engine migrate" in output
    assert "missing: raw_edgar" in output


@pytest.mark.db
def test_migrate_then_doctor_is_healthy_then_base_empties_it(empty_database_url: str) -> None:
    env = {"DATABASE_URL": empty_database_url}
    code, output = run("migrate", env=env)
    assert code == 0, output
    assert f"at revision {head_revision()} (head)" in output

    code, output = run("doctor", env=env)
    assert code == 0, output
    assert "at head" in output
    assert "plain PostgreSQL" in output or "TimescaleDB:" in output
    # the README shows the doctor's report: its migrations line must name today's head
    (migrations_line,) = [line for line in output.splitlines() if "migrations" in line]
    assert migrations_line in (project_root() / "README.md").read_text()

    code, output = run("migrate", "--revision", "base", env=env)
    assert code == 0, output
    assert "at revision base" in output


@pytest.mark.db
def test_unknown_revision_is_a_clear_error(database_url: str) -> None:
    code, output = run("migrate", "--revision", "0123abcd", env={"DATABASE_URL": database_url})
    assert code == 1
    assert "unknown revision '0123abcd'" in output


def test_unreachable_database_is_a_clear_error() -> None:
    code, output = run(
        "doctor", env={"DATABASE_URL": "postgresql://nobody:secret@127.0.0.1:1/none"}
    )
    assert code == 1
    assert "cannot connect to postgresql://nobody:***@127.0.0.1:1/none" in output
    assert "secret" not in output


@pytest.mark.db
@pytest.mark.slow
def test_build_since_says_what_it_built_and_where_the_time_went(demo_database_url: str) -> None:
    code, output = run(
        "build", "--since", "2017-11-01", "--slowest", "3", env={"DATABASE_URL": demo_database_url}
    )
    assert code == 0, output
    lines = output.splitlines()
    summary = next(i for i, line in enumerate(lines) if line.startswith("build succeeded in"))
    assert "sessions 2010-01-04 .. 2017-11-10" in lines[summary]
    assert any("marts.factor_exposures_wide" in line for line in lines[summary:])
    slowest = lines.index("slowest 3 dbt nodes (seconds, two may overlap):")
    assert len(lines[slowest + 1 :]) == 3
    assert all(float(line.split()[-1]) >= 0 for line in lines[slowest + 1 :])
