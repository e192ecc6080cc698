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
