"""The reference pages cover every setting and every command-line option, and the README stays short."""

import ast
import re
from pathlib import Path

import click
import pytest

from crawler.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_PAGE = ROOT / "docs" / "settings.md"
CLI_PAGE = ROOT / "docs" / "cli.md"

# A setting read by a component: `settings.get("NAME")`, `settings.getint(\n "NAME"`, `settings["NAME"]`,
# and the environment variables the code reads itself.
SETTING_READ = re.compile(
    r"""settings\.get\w*\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|settings\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\]"""
    r"""|os\.(?:environ\.get|getenv)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\]"""
)


def defined_settings(source: str) -> set[str]:
    """The upper-case names assigned at the top level of a settings module."""
    names = set()
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            if isinstance(target, ast.Name) and target.id.isupper():
                names.add(target.id)
    return names


def read_settings(source: str) -> set[str]:
    return {next(name for name in match.groups() if name) for match in SETTING_READ.finditer(source)}


def undocumented(names: set[str], page: str) -> list[str]:
    return sorted(name for name in names if f"`{name}`" not in page)


def all_settings() -> set[str]:
    names = defined_settings((ROOT / "crawler" / "settings.py").read_text(encoding="utf-8"))
    for package in ("crawler", "pipelines"):
        for module in (ROOT / package).rglob("*.py"):
            names |= read_settings(module.read_text(encoding="utf-8"))
    return names


def test_the_finders_see_definitions_and_reads() -> None:
    source = 'BOT_NAME = "x"\nlower = 1\nFEEDS: dict = {}\nif True:\n    NESTED = 1\n'
    assert defined_settings(source) == {"BOT_NAME", "FEEDS"}
    code = 'a = settings.getint(\n    "ONE", 2)\nb = crawler.settings["TWO"]\nc = os.environ.get("THREE")\nd = x.get("NO")\n'
    assert read_settings(code) == {"ONE", "TWO", "THREE"}
    assert undocumented({"ONE", "TWO"}, "| `ONE` | 1 | … |") == ["TWO"]


def test_every_setting_is_in_the_settings_reference() -> None:
    names = all_settings()
    assert len(names) > 60, "the finders missed the settings module"
    assert undocumented(names, SETTINGS_PAGE.read_text(encoding="utf-8")) == []


def sections(page: str) -> dict[str, str]:
    """Each heading's text, with the text under it up to the next heading."""
    parts = re.split(r"^(#{2,3} .*)$", page, flags=re.M)
    return {heading: body for heading, body in zip(parts[1::2], parts[2::2], strict=True)}


def long_options(command: click.Command) -> set[str]:
    return {
        option
        for parameter in command.params
        for option in (*parameter.opts, *parameter.secondary_opts)
        if option.startswith("--")
    }


def missing_from_cli_page(group: click.Group, page: str) -> list[str]:
    """Commands without a section of their own, and options said neither there nor for every command."""
    by_heading = sections(page)
    shared = "".join(body for heading, body in by_heading.items() if "every command" in heading)
    missing = [
        option for option in sorted(long_options(group) | {"--version", "--help"}) if option not in page
    ]
    for name, command in group.commands.items():
        own = [heading for heading in by_heading if re.search(rf"`{re.escape(name)}[ `]", heading)]
        if not any(heading.startswith("### ") and heading.startswith(f"### `{name}") for heading in own):
            missing.append(name)
        text = shared + "".join(by_heading[heading] + heading for heading in own)
        missing += [f"{name} {option}" for option in sorted(long_options(command)) if option not in text]
    return missing


def test_every_command_and_option_is_in_the_cli_reference() -> None:
    assert len(cli.commands) >= 11
    assert missing_from_cli_page(cli, CLI_PAGE.read_text(encoding="utf-8")) == []


def test_a_command_or_option_left_out_is_found() -> None:
    page = CLI_PAGE.read_text(encoding="utf-8")
    without_kind = page.replace("--kind", "--sort-of")
    assert "dead --kind" in missing_from_cli_page(cli, without_kind)
    without_serve = page.replace("### `serve`", "### Serving")
    assert "serve" in missing_from_cli_page(cli, without_serve)


@pytest.mark.parametrize("name", ["RENDER_MODE", "WARC_REPLAY_FILES", "CHINADAILY_BASE_URL"])
def test_a_setting_left_out_is_found(name: str) -> None:
    page = SETTINGS_PAGE.read_text(encoding="utf-8").replace(f"`{name}`", name)
    assert undocumented(all_settings(), page) == [name]


def test_the_readme_is_short_and_keeps_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    assert "pip install -e . && scrapy crawl asia_pacific" in readme
    assert "pip install -e '.[test]' && pytest" in readme
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (ROOT / link).exists(), link
