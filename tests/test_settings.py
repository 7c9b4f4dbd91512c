"""Settings: -s beats the environment, which beats the default; polite defaults (crawler/settings.py)."""

import os
import subprocess
import sys

import pytest

from crawler import settings
from tests.crawling import ROOT


def scrapy_setting(name, *args, env=None):
    environment = {k: v for k, v in os.environ.items() if k != name} | (env or {})
    command = [sys.executable, "-m", "scrapy", "settings", "--get", name, *args]
    return subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("CHINADAILY_BASE_URL", "https://www.chinadaily.com.cn"),
        ("ARCHIVE_DATABASE_URL", "sqlite:///archive.db"),
        ("RENDER_MODE", "auto"),
    ],
)
@pytest.mark.e2e
def test_command_line_then_environment_then_default(name, default):
    assert scrapy_setting(name) == default
    assert scrapy_setting(name, env={name: "from-env"}) == "from-env"
    assert scrapy_setting(name, "-s", f"{name}=from-cli", env={name: "from-env"}) == "from-cli"


def test_polite_identified_defaults_for_the_real_site():
    assert settings.ROBOTSTXT_OBEY is True
    assert settings.AUTOTHROTTLE_ENABLED is True
    assert settings.DOWNLOAD_DELAY >= 1
    assert "chinadaily-archive" in settings.USER_AGENT and "+http" in settings.USER_AGENT
    assert {429, 503} <= set(settings.RETRY_HTTP_CODES)
    assert settings.REMOTE_CONTROL_ENABLED is False
