"""Architecture rule: domain code in lib/ (and the storage/sources helpers) never imports dagster."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "soccer_assets"
DAGSTER_FREE = ["lib", "storage", "sources"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("folder", DAGSTER_FREE)
def test_no_dagster_import(folder):
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in (PACKAGE / folder).rglob("*.py")
        if {n for n in _imports(p) if n.startswith("dagster")}
    ]
    assert offenders == []


SERVING = PACKAGE.parent / "soccer_serving"


def test_the_api_package_never_imports_dagster_or_mlflow():
    offenders = [
        str(p.relative_to(SERVING.parent))
        for p in SERVING.rglob("*.py")
        if {n for n in _imports(p) if n.startswith(("dagster", "mlflow"))}
    ]
    assert offenders == []


def test_the_api_process_loads_without_dagster_or_mlflow():
    """Static imports are not enough: a transitive import of soccer_assets could pull them in."""
    import subprocess
    import sys

    probe = (
        "import sys, soccer_serving.app, soccer_serving.server, soccer_assets.cli;"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('dagster', 'mlflow'))}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"
