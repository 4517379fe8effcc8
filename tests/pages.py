"""The documentation's pages (README.md and docs/), the marked examples on them that the tests run, and the scripts of
benchmarks/ that make their figures."""

import importlib.util
import re
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
README = REPO / "README.md"


def pages() -> list[Path]:
    """README.md and every Markdown page of the docs site (the built site, docs/_build, excluded)."""
    return [README, *sorted(path for path in DOCS.rglob("*.md") if "_build" not in path.parts)]


def examples(path: Path, name: str, language: str = "python") -> list[str]:
    """The code of the blocks marked ``<!-- example: NAME -->`` on a page, in the order of the page."""
    pattern = rf"<!-- example: {re.escape(name)} -->\s*```{language}\n(.*?)```"
    return re.findall(pattern, path.read_text(), re.DOTALL)


def example(path: Path, name: str, language: str = "python") -> str:
    """The code of the one block marked ``<!-- example: NAME -->`` on a page."""
    found = examples(path, name, language)
    assert len(found) == 1, f"{path.relative_to(REPO)}: {len(found)} blocks marked '{name}', expected 1"
    return found[0]


def benchmark_script(name: str) -> ModuleType:
    """The script ``benchmarks/NAME.py``, imported as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
