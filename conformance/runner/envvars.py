"""The ``IKP_*`` environment variables: every suite option can be set from the environment.

This module owns the mapping from an option of the suite's option group (``--report-dir``) to
its variable (``IKP_REPORT_DIR``: ``IKP_``, the long name upper-cased, ``-`` as ``_``) and how
a variable's value reaches pytest: as the option itself, put in front of the command line
before pytest parses it (``pytest_load_initial_conftests``, the hook made for that), so that
the same option given on the command line, which comes later, wins. A flag (``--strict-messages``)
is set by a true value (``1``, ``true``, ``yes``, ``on``) and left alone by a false one.

Every option's ``--help`` text names its variable. Credentials are never options: they come
from ``ALIBABA_CLOUD_*`` (plugin.py).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

GROUP = "ikp"
PREFIX = "IKP_"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def variable_for(flag: str) -> str:
    """``--report-dir`` -> ``IKP_REPORT_DIR``."""
    return PREFIX + flag.lstrip("-").upper().replace("-", "_")


def _long_flag(option: Any) -> str | None:
    return next((name for name in option.names() if name.startswith("--")), None)


def _is_flag(option: Any) -> bool:
    """A store_true/store_false option: takes no value."""
    nargs = option.attrs().get("nargs")
    action = option.attrs().get("action")
    if isinstance(action, str):
        return action in ("store_true", "store_false", "store_const", "count")
    return nargs == 0 or isinstance(option.default, bool)


def suite_options(parser: pytest.Parser) -> Iterator[tuple[str, str, Any]]:
    """(long flag, variable, option) for each option of the suite's group."""
    for option in parser.getgroup(GROUP).options:
        flag = _long_flag(option)
        if flag is not None:
            yield flag, variable_for(flag), option


def document(parser: pytest.Parser) -> None:
    """Name each option's variable in its ``--help`` text (once)."""
    for _flag, variable, option in suite_options(parser):
        attrs = option.attrs()
        text = str(attrs.get("help") or "")
        if variable not in text and text != argparse.SUPPRESS:
            attrs["help"] = f"{text} (env {variable})" if text else f"env {variable}"


def arguments_from(parser: pytest.Parser, environ: Mapping[str, str]) -> list[str]:
    """The command-line arguments the ``IKP_*`` variables in ``environ`` stand for."""
    args: list[str] = []
    for flag, variable, option in suite_options(parser):
        if variable not in environ:
            continue
        value = environ[variable]
        if _is_flag(option):
            word = value.strip().lower()
            if word in _TRUE:
                args.append(flag)
            elif word not in _FALSE:
                raise pytest.UsageError(f"{variable}={value!r}: expected 1/true/yes/on or 0/false/no/off")
        elif value:
            args.append(f"{flag}={value}")
    return args


def apply(parser: pytest.Parser, args: list[str], environ: Mapping[str, str] | None = None) -> None:
    """Document the variables and put the options they set in front of ``args`` (in place)."""
    document(parser)
    args[:0] = arguments_from(parser, os.environ if environ is None else environ)
