"""The repo folders install as one namespace, factor_engine.*, and nothing else."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setuptools_config() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        config: dict[str, object] = tomllib.load(handle)["tool"]["setuptools"]
    return config


def test_every_subpackage_is_listed_for_the_wheel() -> None:
    # A package missing from `packages` imports fine in an editable install but is silently
    # left out of the wheel.
    config = setuptools_config()
    package_dir = config["package-dir"]
    assert isinstance(package_dir, dict)
    found = set()
    for package, folder in package_dir.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            found.add(".".join([package, *relative.parts]))
    listed = config["packages"]
    assert isinstance(listed, list)
    missing = sorted(found - set(listed))
    assert missing == [], f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_repo_folders_are_not_importable_as_top_level_names(tmp_path: Path) -> None:
    # Run outside the repo: `python -m` would put the checkout itself on sys.path.
    probe = (
        "import importlib.util as u, factor_engine.core, factor_engine.api, "
        "factor_engine.loaders, factor_engine.functions\n"
        "print([n for n in ('api', 'functions', 'loaders', 'core') if u.find_spec(n)])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_console_script_is_installed() -> None:
    result = subprocess.run(
        [Path(sys.executable).parent / "factor-engine", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("factor-engine, version")
