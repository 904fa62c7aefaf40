"""The house layering rules: the protocol layer imports neither Flask nor SQLAlchemy; Flask
lives only in oai/app.py, oai/views.py and oai/web/pages.py; SQLAlchemy only in store/; store
imports nothing from oai or schemas."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE = ["oai.errors", "oai.datestamps", "oai.arguments", "oai.tokens", "oai.identity",
        "oai.replies", "oai.repository", "oai.verbs", "oai.xmlwriter", "oai.config"]


def test_protocol_modules_pull_in_neither_flask_nor_sqlalchemy():
    code = (f"import sys, json\nfor m in {PURE!r}: __import__(m)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'werkzeug', 'sqlalchemy', 'psycopg'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert json.loads(out.stdout) == []


def test_importing_the_package_does_not_import_flask():
    code = "import sys, oai; print('flask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _sources(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py"))


@pytest.mark.parametrize("path", _sources("oai", "schemas"), ids=lambda p: str(p.relative_to(ROOT)))
def test_flask_and_sqlalchemy_stay_in_their_modules(path):
    used = _imports(path)
    rel = path.relative_to(ROOT).as_posix()
    if rel not in ("oai/app.py", "oai/views.py", "oai/web/pages.py"):
        assert not used & {"flask", "werkzeug"}, f"{rel} imports Flask"
    assert "sqlalchemy" not in used, f"{rel} imports SQLAlchemy"


@pytest.mark.parametrize("path", _sources("store"), ids=lambda p: str(p.relative_to(ROOT)))
def test_store_imports_nothing_from_the_protocol_layer(path):
    assert not _imports(path) & {"oai", "schemas", "flask"}
