"""Project rules checked by tools: the core never imports Qt, types are strict, lint is clean."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORE = REPO / "fieldapp" / "core"
FORBIDDEN = ("PySide6", "shiboken6", "fieldapp.ui")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_never_imports_qt() -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(n for n in _imports(path) if n.startswith(FORBIDDEN))
        for path in CORE.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def test_import_linter_contract_is_kept() -> None:
    done = subprocess.run([_tool("lint-imports")], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(_contracts())} kept, 0 broken" in done.stdout


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_every_core_package_has_a_place_in_the_layers() -> None:
    """A new package under fieldapp/core must be placed in the architecture, not slip past it."""
    (layers,) = [c for c in _contracts() if c["type"] == "layers" and "containers" not in c]
    named = {name.strip() for layer in layers["layers"] for name in str(layer).split("|")}
    packages = {
        f"fieldapp.core.{p.name}" for p in CORE.iterdir() if (p / "__init__.py").is_file()
    } | {f"fieldapp.core.{p.stem}" for p in CORE.glob("*.py") if p.stem != "__init__"}
    assert packages - named == set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module -> the fieldapp modules it imports, lazy imports inside functions included."""
    paths = {_module_name(p): p for p in package_dir.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base
                    for alias in node.names
                ]
            edges |= {t for t in targets if t in paths and t != name}
        graph[name] = edges
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_inside_fieldapp() -> None:
    assert import_cycles(import_graph(REPO / "fieldapp")) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path) -> None:
    """The check above can fail: a lazy import back to a caller is a cycle too."""
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = import_graph(REPO / "fieldapp")
    graph["fieldapp.core.forms.model"].add("fieldapp.core.forms.engine")
    assert ["fieldapp.core.forms.engine", "fieldapp.core.forms.model"] in [
        [m for m in cycle if m.endswith((".engine", ".model"))] for cycle in import_cycles(graph)
    ]


def test_ruff_is_clean() -> None:
    done = subprocess.run(
        [_tool("ruff"), "check", "fieldapp", "tests", "tools", "benchmarks", "packaging"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_is_strict_and_clean_on_the_core() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "fieldapp/core"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
