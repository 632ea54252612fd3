"""The house rules of the code's layout: no import cycles, no reaching into private names."""

from __future__ import annotations

import ast
from pathlib import Path

CODING = Path(__file__).resolve().parent.parent / "coding"


def _imports() -> dict[str, set[str]]:
    """Every coding module and the coding modules it imports (lazy imports included)."""
    graph = {}
    for path in CODING.rglob("*.py"):
        name = ".".join(path.relative_to(CODING.parent).with_suffix("").parts)
        name = name.removesuffix(".__init__")
        graph[name] = {
            node.module
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("coding")
        }
    return graph


def test_no_import_cycle():
    graph = _imports()
    seen: dict[str, int] = {}  # 1 = on the path, 2 = done

    def visit(module: str, path: list[str]) -> None:
        seen[module] = 1
        for dep in sorted(graph.get(module, ())):
            if dep not in graph:
                continue
            assert seen.get(dep) != 1, "import cycle: " + " -> ".join([*path, dep])
            if dep not in seen:
                visit(dep, [*path, dep])
        seen[module] = 2

    for module in sorted(graph):
        if module not in seen:
            visit(module, [module])


def test_no_module_imports_another_stages_private_names():
    for path in CODING.rglob("*.py"):
        package = ".".join(path.relative_to(CODING.parent).parts[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("coding"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                # a package may re-export its own modules' names (suggest keeps old pickles)
                own = node.module.startswith(package + ".") or node.module == package
                assert not private or own, f"{path.name} imports {private} from {node.module}"
