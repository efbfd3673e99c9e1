"""``benchmarks/mutation.py`` loaded as a module: the one place that knows how to start a
reference server with a fault or variant and run the suite against it (``benchmarks/`` is a
directory of scripts, not a package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_NAME = "ikp_benchmarks_mutation"
_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "mutation.py"


def load():  # type: ignore[no-untyped-def]
    """The benchmark module (imported once per process)."""
    module = sys.modules.get(_NAME)
    if module is None:
        spec = importlib.util.spec_from_file_location(_NAME, _PATH)
        assert spec is not None and spec.loader is not None, _PATH
        module = importlib.util.module_from_spec(spec)
        sys.modules[_NAME] = module
        spec.loader.exec_module(module)
    return module
