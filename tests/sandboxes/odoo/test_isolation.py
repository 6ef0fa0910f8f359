"""The Odoo sandbox is Odoo's model, not ours: it imports nothing else from Cn285."""

from __future__ import annotations

import ast
from pathlib import Path

import cn285.sandboxes.odoo

FORBIDDEN = ("cn285.billing_core", "cn285.hub", "cn285.connectors", "cn285.mappings")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_odoo_sandbox_imports_no_other_part_of_cn285():
    package = Path(cn285.sandboxes.odoo.__file__).parent
    files = [*package.rglob("*.py"), package.parent / "cli.py", package.parent / "__init__.py"]
    offenders = {
        f"{path.name}: {module}"
        for path in files
        for module in imported_modules(path)
        if module.startswith(FORBIDDEN)
    }

    assert offenders == set()
    assert len(files) > 20
