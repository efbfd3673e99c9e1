"""``ikp-conformance``: the suite for people who do not live in pytest.

This module owns the console script and nothing else: every subcommand hands over to the
piece that does the work, so the command line and ``pytest`` can never disagree.

    ikp-conformance certify [URL] [--wait S] [--report-dir DIR] [--baseline FILE] [-- PYTEST ARGS]
    ikp-conformance serve [--port 8080 ...]        # the bundled reference server
    ikp-conformance sample --kind KIND [-n N ...]  # what the strategies generate
    ikp-conformance requirements                   # the requirements document

``certify`` runs ``pytest --pyargs conformance`` in this process (``pytest.main``) with
defaults fit for a one-off run or a CI job: the given URL as ``--target`` (none: the bundled
server), the reports and a JUnit file in ``--report-dir``, no ``.pytest_cache``. Then it prints
the verdict and where the report is, and returns pytest's exit status (0 only when the run
passed: conformant, or with ``--baseline`` no regressions; ``conformance/results/gate.py``).
Every suite option also reads its ``IKP_*`` variable there (``runner/envvars.py``).
``pytest --target=URL`` stays the primary interface: anything after ``--`` goes to it as is.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

import conformance
from conformance.runner import envvars
from conformance.runner.profiles import PROFILE_NAMES

PROG = "ikp-conformance"
DEFAULT_REPORT_DIR = "reports/out"  # the suite's own default (--report-dir)
JUNIT_NAME = "junit.xml"

_DELEGATED = {
    "serve": "run the bundled reference server (ikp-reference-server's options)",
    "sample": "print what the strategies generate, as JSON lines (python -m strategies sample)",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Property-based conformance suite for Alibaba Cloud ECS ImportKeyPair.",
        epilog="'pytest --pyargs conformance --target=URL' is the same suite, with every pytest option.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {conformance.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    certify = sub.add_parser(
        "certify",
        help="certify an endpoint (default: the bundled reference server) and print the verdict",
        description="Run the conformance suite; print the verdict and where the report is. "
        "Arguments after '--' go to pytest unchanged.",
    )
    certify.add_argument("url", nargs="?", help="base URL of the endpoint (env IKP_TARGET; default: bundled)")
    certify.add_argument(
        "--report-dir",
        default=None,
        help=f"where report.html, results.json and {JUNIT_NAME} go "
        f"(env IKP_REPORT_DIR; default {DEFAULT_REPORT_DIR})",
    )
    certify.add_argument("--baseline", metavar="FILE", help="a kept results.json: fail only on regressions")
    certify.add_argument(
        "--junitxml", metavar="FILE", help=f"the JUnit file (default: REPORT_DIR/{JUNIT_NAME})"
    )
    certify.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait up to SECONDS for URL to accept connections (a mock just started in CI)",
    )
    certify.add_argument(
        "--profile",
        choices=PROFILE_NAMES,
        default=None,
        help="Hypothesis profile (default: 'default'; 'ci' is derandomized, 'quick' is fast)",
    )
    for name, text in _DELEGATED.items():
        sub.add_parser(name, help=text, add_help=False)
    sub.add_parser("requirements", help="print the requirements document (Markdown)")
    return parser


def certify_arguments(args: argparse.Namespace, extra: Sequence[str]) -> tuple[list[str], Path]:
    """The pytest command line ``certify`` runs, and the report directory it writes to."""
    from_env = os.environ.get(envvars.variable_for("--report-dir"))
    report_dir = Path(args.report_dir or from_env or DEFAULT_REPORT_DIR)
    argv = ["--pyargs", "conformance", "-p", "no:cacheprovider", "-q", f"--report-dir={report_dir}"]
    # This process imported conformance (and Hypothesis) before pytest started: pytest cannot
    # rewrite their asserts and would say so. The suite's own test modules are rewritten.
    argv += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    if args.url:
        argv.append(f"--target={args.url}")
    if args.baseline:
        argv.append(f"--baseline={args.baseline}")
    argv.append(f"--junitxml={args.junitxml or report_dir / JUNIT_NAME}")
    if args.profile:
        argv.append(f"--hypothesis-profile={args.profile}")
    return [*argv, *extra], report_dir


def certify(args: argparse.Namespace, extra: Sequence[str]) -> int:
    argv, report_dir = certify_arguments(args, extra)
    url = args.url or os.environ.get(envvars.variable_for("--target"))
    if url and args.wait > 0:
        problem = wait_for(url, args.wait)
        if problem:
            print(f"{PROG}: {problem} after {args.wait:g} s", file=sys.stderr)
            return int(pytest.ExitCode.USAGE_ERROR)
    status = int(pytest.main(argv))
    results = report_dir.resolve() / "results.json"
    html = report_dir.resolve() / "report.html"
    verdict = _verdict(results)
    print()
    if verdict is None:
        print(f"{PROG}: no report was written (pytest exit status {status})")
    else:
        print(f"{PROG}: verdict {verdict.upper()} (exit status {status})")
        print(f"{PROG}: results {results}")
        print(f"{PROG}: report {html}")
    return status


def wait_for(url: str, seconds: float) -> str | None:
    """None once ``url`` accepts a TCP connection, else (after ``seconds``) why not."""
    from conformance.target import probe_url

    deadline = time.monotonic() + seconds
    while True:
        problem = probe_url(url)
        if problem is None or time.monotonic() >= deadline:
            return problem
        time.sleep(0.2)


def _verdict(results: Path) -> str | None:
    try:
        return str(json.loads(results.read_text(encoding="utf-8"))["verdict"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def requirements() -> int:
    from conformance import requirements_doc

    try:
        text = requirements_doc.shipped()
    except OSError:  # a tree without the rendered file: render it
        text = requirements_doc.render()
    sys.stdout.write(text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "serve":
        from conformance.reference.__main__ import main as serve

        return serve(argv[1:])
    if argv and argv[0] == "sample":
        from strategies.__main__ import main as sample

        return sample(argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    args = build_parser().parse_args(argv)
    if args.command == "certify":
        return certify(args, extra)
    return requirements()


if __name__ == "__main__":
    sys.exit(main())
