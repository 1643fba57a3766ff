"""The shape of the code (issue 24): checked here so that it does not drift back."""

import ast
from pathlib import Path

COOP = Path(__file__).resolve().parent.parent / "coop"


def view_modules() -> list[Path]:
    return sorted(
        path
        for path in COOP.rglob("*.py")
        if path.name == "views.py" or path.name.endswith("_views.py") or "views" in path.parts
    )


def test_views_leave_commits_and_domain_errors_to_the_one_unit_of_work():
    """coop.web.save commits, rolls back and answers domain errors; no view does it itself."""
    found = []
    for path in view_modules():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(COOP.parent)}:{getattr(node, 'lineno', '?')}"
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("commit", "rollback")
                and ast.unparse(node.func.value) == "db.session"
            ):
                found.append(f"{where} db.session.{node.func.attr}()")
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                names = {ast.unparse(n) for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                if names & {"DomainError", "Invalid", "NotAllowed", "NotFound", "Conflict"}:
                    found.append(f"{where} except {ast.unparse(node.type)}")
            if isinstance(node, ast.IfExp) and ast.unparse(node.test) == "form.errors":
                found.append(f"{where} {ast.unparse(node)} (form_status)")
    assert view_modules()
    assert not found, "\n".join(found)


CORE = (
    "cache", "celery_app", "cli", "errors", "extensions", "features", "fragments", "limits",
    "markdown", "pagecache", "read_only", "security", "uktime", "validation", "web",
)  # fmt: skip
FEATURES = sorted(
    path.name for path in COOP.iterdir() if path.is_dir() and (path / "__init__.py").exists()
)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_modules_import_no_feature():
    """Features register with the core (a registry, a signal, a found tasks module), never
    the other way round: a core module that names a feature is a loop waiting to happen."""
    assert {"accounts", "ideas", "proposals"} <= set(FEATURES)
    found = [
        f"coop/{name}.py imports {module}"
        for name in CORE
        for module in sorted(imported_modules(COOP / f"{name}.py"))
        if module.partition(".")[0] == "coop" and module.split(".")[1:2] in ([f] for f in FEATURES)
    ]
    assert not found, "\n".join(found)


def test_views_are_imported_by_the_app_factory_alone_and_no_private_name_crosses_a_module():
    """Shared page code lives in a module of its own (comments/discussion.py), and what a
    module keeps private (a leading underscore) stays in it."""
    found = []
    for path in sorted(COOP.rglob("*.py")):
        where = path.relative_to(COOP.parent)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ImportFrom) or not node.module or node.level:
                continue
            if node.module.endswith(".views") and path != COOP / "__init__.py":
                found.append(f"{where}:{node.lineno} imports {node.module}")
            private = [alias.name for alias in node.names if alias.name.startswith("_")]
            if private and node.module.startswith("coop"):
                found.append(f"{where}:{node.lineno} imports {private} from {node.module}")
        source = path.read_text()
        for module in ("services", "queries", "rules"):
            if f"{module}._" in source.replace(f"{module}.__", ""):
                found.append(f"{where} uses a private name of {module}")
    assert not found, "\n".join(found)
