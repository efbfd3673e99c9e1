"""Every suite option has an ``IKP_*`` environment variable (conformance/runner/envvars.py):
it sets the option, the command line still wins, ``--help`` and README.md name it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conformance.runner import envvars

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]

SHOW_OPTIONS = """
import json

def test_options(pytestconfig):
    names = ("region", "other_region", "resource_group", "strict_messages", "report_dir",
             "request_timeout", "baseline", "target")
    with open("options.json", "w") as f:
        json.dump({name: pytestconfig.getoption(name) for name in names}, f)
"""


def _options(pytester: pytest.Pytester) -> dict[str, Any]:
    return dict(json.loads((pytester.path / "options.json").read_text(encoding="utf-8")))


def test_variable_names() -> None:
    assert envvars.variable_for("--report-dir") == "IKP_REPORT_DIR"
    assert envvars.variable_for("--target") == "IKP_TARGET"


def test_variables_set_the_options_and_the_command_line_wins(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_show=SHOW_OPTIONS)
    monkeypatch.setenv("IKP_REGION", "cn-beijing")
    monkeypatch.setenv("IKP_OTHER_REGION", "cn-shenzhen")
    monkeypatch.setenv("IKP_REQUEST_TIMEOUT", "3.5")
    monkeypatch.setenv("IKP_STRICT_MESSAGES", "yes")
    monkeypatch.setenv("IKP_REPORT_DIR", "from-env")
    result = pytester.runpytest("-p", "no:cacheprovider", "--other-region=us-west-1")
    result.assert_outcomes(passed=1)
    options = _options(pytester)
    assert options["region"] == "cn-beijing"
    assert options["other_region"] == "us-west-1"  # given on the command line
    assert options["request_timeout"] == 3.5  # converted by the option's type
    assert options["strict_messages"] is True
    assert options["report_dir"] == "from-env"
    assert options["baseline"] is None and options["target"] is None


def test_a_false_flag_value_leaves_the_flag_off_and_nonsense_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_show=SHOW_OPTIONS)
    monkeypatch.setenv("IKP_STRICT_MESSAGES", "0")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert _options(pytester)["strict_messages"] is False
    monkeypatch.setenv("IKP_STRICT_MESSAGES", "perhaps")
    bad = pytester.runpytest("-p", "no:cacheprovider")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    assert "IKP_STRICT_MESSAGES='perhaps'" in bad.stderr.str()


def _suite_help_section(pytester: pytest.Pytester) -> str:
    text = pytester.runpytest("-p", "no:cacheprovider", "--help").stdout.str()
    start = text.index("ImportKeyPair conformance suite:")
    return text[start : text.index("\n\n", start)]


def test_help_and_readme_name_every_options_variable(pytester: pytest.Pytester) -> None:
    section = _suite_help_section(pytester)
    flags = re.findall(r"^  (--[a-z][a-z-]+)", section, flags=re.MULTILINE)
    assert {"--target", "--region", "--report-dir", "--request-timeout", "--baseline"} <= set(flags)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for flag in flags:
        variable = envvars.variable_for(flag)
        assert variable in section, f"--help does not name {variable} for {flag}"
        assert variable in readme, f"README.md does not name {variable} for {flag}"
