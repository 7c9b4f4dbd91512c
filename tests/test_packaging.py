"""The project installs as a package: every module and migration is in what pip installs."""

import tomllib

from tests.crawling import ROOT


def test_every_package_of_the_project_is_declared():
    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        str(init.parent.relative_to(ROOT)).replace("/", ".")
        for top in ("crawler", "pipelines")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found == declared


def test_the_migrations_ship_as_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "versions/*.py" in config["pipelines.archive.migrations"]
    versions = ROOT / "pipelines" / "archive" / "migrations" / "versions"
    assert list(versions.glob("*.py"))
    assert not (versions / "__init__.py").exists()
