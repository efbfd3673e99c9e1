"""The shipped example cassette: the bundled reference server answering a small, deterministic
slice of the suite (``SELECTION``, ``--hypothesis-seed=1 --hypothesis-profile=quick``), so a
user can try ``--compare-with`` offline on a fresh machine::

    pytest --pyargs conformance --hypothesis-seed=1 --hypothesis-profile=quick -k "$SELECTION" \\
        --compare-with="$(python -m conformance.cassettes.example --path)" --target=URL

Regenerate it (after a change to what the slice sends or to the reference server) with
``python -m conformance.cassettes.example``; ``tests/cassettes/test_example.py`` fails when it
is stale. The file has no ``recorded`` time, so that one suite gives one file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from conformance.cassettes.cassette import Cassette

EXAMPLE = Path(__file__).with_name("example.cassette.json")
SELECTION = "test_valid_names_are_accepted or test_invalid_names_are_rejected"
SEED = "1"
PROFILE = "quick"


def record(out: Path) -> None:
    """Record the slice against the bundled reference server into ``out`` (no ``recorded`` time)."""
    with tempfile.TemporaryDirectory(prefix="ikp-example-") as work:
        raw = Path(work) / "raw.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "IKP_"))}
        env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(Path(work) / "hypothesis")
        cmd = [
            sys.executable, "-m", "pytest", "--pyargs", "conformance", "-q", "-p", "no:cacheprovider",
            "-p", "no:randomly", "-p", "no:xdist", f"--hypothesis-seed={SEED}",
            f"--hypothesis-profile={PROFILE}", "-k", SELECTION, f"--record={raw}",
            f"--report-dir={Path(work) / 'out'}",
        ]  # fmt: skip
        proc = subprocess.run(
            cmd, cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        # A slice leaves most requirements NOT COVERED (exit 1): only a failure is a failure.
        results = Path(work) / "out" / "results.json"
        failures = json.loads(results.read_text())["statistics"]["failures"] if results.exists() else -1
        if failures != 0 or not raw.exists():
            raise RuntimeError(
                f"recording the example failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}"
            )
        cassette = Cassette.from_json(json.loads(raw.read_text(encoding="utf-8")))
    cassette.header.pop("recorded", None)
    cassette.save(out)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--path"]:
        print(EXAMPLE)
        return 0
    record(Path(args[0]) if args else EXAMPLE)
    print(f"example cassette written: {Path(args[0]) if args else EXAMPLE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
