"""The pins in constraints.txt: every dependency of pyproject.toml (and of its test extra) is
pinned to one version, and the environment the suite runs in has exactly those versions, so the
README's commands install on any machine what the suite last passed with."""
from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()     # PEP 503


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep and version, f"constraints.txt: {line!r} is not NAME==VERSION"
        pins[_norm(name)] = version.strip()
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])
    return [Requirement(r) for r in wanted]


def test_every_dependency_is_pinned_within_its_range():
    pins = _pins()
    for req in _requirements():
        name = _norm(req.name)
        assert name in pins, f"{req.name} is in pyproject.toml but not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"{req.name}=={pins[name]} in constraints.txt is outside pyproject's {req.specifier}"


def test_the_installed_versions_are_the_pinned_ones():
    wrong = []
    for name, version in sorted(_pins().items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name} is not installed (pinned {version})")
            continue
        if installed != version:
            wrong.append(f"{name} {installed} is installed, constraints.txt pins {version}")
    if wrong and not IN_CI:
        pytest.skip("this environment was not installed from constraints.txt: " + "; ".join(wrong))
    assert not wrong
