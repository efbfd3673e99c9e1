"""The benchmark scripts loaded as modules: ``benchmarks/mutation.py`` (faults and variants) and
``benchmarks/soundness.py`` (legal servers under many seeds), both built on
``benchmarks/suiterun.py``, the one place that knows how to start a reference server with a
fault or variant and run the suite against it (``benchmarks/`` is a directory of scripts, not
a package: its directory goes on ``sys.path`` so the scripts import ``suiterun`` as they do
when run)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def load(script: str = "mutation") -> ModuleType:
    """The benchmark module ``benchmarks/<script>.py`` (imported once per process)."""
    name = f"ikp_benchmarks_{script}"
    module = sys.modules.get(name)
    if module is None:
        if str(_DIR) not in sys.path:
            sys.path.insert(0, str(_DIR))
        path = _DIR / f"{script}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None, path
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module
