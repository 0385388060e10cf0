"""The house's rules, read from the code: no import runs upward, none goes in a circle, the core imports no plugin.

Every import statement is read with ``ast`` (also those inside functions and
``TYPE_CHECKING`` blocks: a lazy import is still a dependency), relative
imports resolved, and checked against the layers of docs/architecture.md.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ("foxlike_cv", "foxlike_nlp", "foxlike_metrics", "foxlike_tabular")

#: The layers from the bottom up; a module may import its own layer and those below.
LAYERS = ["foxlike.errors", "foxlike.toolkit", "core", "foxlike.runner", "foxlike.report", "foxlike.demo",
          "foxlike.cli", "foxlike.serve"]
#: Thin re-exports that keep a documented import path working: they belong to the layer they forward to.
REEXPORTS = {"foxlike.distributed": "foxlike.runner", "foxlike.surrogates": "foxlike.toolkit",
             "foxlike.integration": "foxlike.toolkit"}
#: ``import foxlike`` is the public facade: it may reach any layer (lazily).
FACADE = "foxlike"


def module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path, name: str) -> set[str]:
    """Every name ``path`` (module ``name``) imports, relative imports resolved: ``import a.b`` gives
    ``a.b``, ``from a import b`` gives ``a.b`` (a module, or a name defined in ``a``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def public_names() -> set[str]:
    """What ``import foxlike`` offers (its ``__all__``)."""
    tree = ast.parse((ROOT / "foxlike" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


def foxlike_modules() -> dict[str, Path]:
    return {module_name(p, ROOT): p for p in (ROOT / "foxlike").rglob("*.py")}


def layer_of(module: str) -> int | None:
    if module == FACADE:
        return None
    module = next((target for alias, target in REEXPORTS.items() if module == alias), module)
    for index, layer in reversed(list(enumerate(LAYERS))):
        if layer != "core" and (module == layer or module.startswith(layer + ".")):
            return index
    return LAYERS.index("core") if module.startswith("foxlike.") else None


def internal_graph() -> dict[str, set[str]]:
    modules = foxlike_modules()
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in imports_of(path, name):
            # `from foxlike.x import y` names foxlike.x.y, which is a module only sometimes
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def test_the_core_imports_no_plugin():
    offenders = sorted(f"{name} imports {imported}" for name, path in foxlike_modules().items()
                       for imported in imports_of(path, name) if imported.split(".")[0] in PLUGINS)
    assert not offenders, offenders


def test_no_module_imports_a_layer_above_its_own():
    upward = []
    for name, targets in internal_graph().items():
        mine = layer_of(name)
        if mine is None:
            continue
        upward += [f"{name} (layer {LAYERS[mine]}) imports {t} (layer {LAYERS[layer_of(t)]})"
                   for t in targets if layer_of(t) is not None and layer_of(t) > mine]
    assert not upward, upward


def test_there_is_no_import_circle():
    graph = internal_graph()
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target == FACADE:
                continue  # everything may be re-exported by the facade; it is imported by name only
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert not circles, circles


def test_plugins_use_only_the_public_api_and_the_toolkit():
    public = {f"foxlike.{name}" for name in public_names()}
    offenders = []
    for path in (ROOT / "plugins").rglob("*.py"):
        for imported in imports_of(path, module_name(path, ROOT / "plugins")):
            if imported.startswith("foxlike.") and imported not in public and not imported.startswith("foxlike.toolkit"):
                offenders.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert not offenders, offenders
