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
# coop/db/ is the core's database package (types aside: extensions.py), not a feature.
FEATURES = sorted(
    path.name
    for path in COOP.iterdir()
    if path.is_dir() and (path / "__init__.py").exists() and path.name != "db"
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
    core = [COOP / f"{name}.py" for name in CORE] + sorted((COOP / "db").glob("*.py"))
    found = [
        f"{path.relative_to(COOP.parent)} imports {module}"
        for path in core
        for module in sorted(imported_modules(path))
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


DIALECT_NAMES = {"postgresql", "sqlite"}


def test_only_the_dialects_module_asks_which_database_it_is():
    """Where PostgreSQL and SQLite differ is answered in coop/db/dialects.py, one function per
    capability: no other module reads a dialect's name or compares anything with one."""
    exempt = {COOP / "db" / "dialects.py"}
    found = {}  # one line for each place: a comparison before the name it compares
    for path in sorted(set(COOP.rglob("*.py")) - exempt):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            where = f"{path.relative_to(COOP.parent)}:{getattr(node, 'lineno', '?')}"
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "name"
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "dialect"
            ):
                found.setdefault(where, ast.unparse(node))
            if isinstance(node, ast.Compare | ast.MatchValue) and any(
                isinstance(part, ast.Constant) and part.value in DIALECT_NAMES
                for part in ast.walk(node)
            ):
                found.setdefault(where, ast.unparse(node))
    assert (COOP / "db" / "dialects.py").exists()
    assert not found, "\n".join(f"{where} {code}" for where, code in found.items())


def test_the_extensions_module_holds_extensions_only():
    """coop/extensions.py creates the Flask extensions (and the models' base they need);
    column types, the clock and database helpers live elsewhere (coop/db/, coop/uktime)."""
    tree = ast.parse((COOP / "extensions.py").read_text())
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
    }
    assert defined == {"Base"}


def test_errors_are_answered_by_one_policy_registered_in_one_place():
    """Only coop/errors.py registers error handlers; a view that answers its own page for a
    domain error says so with @answers_errors_with, read by that one handler."""
    registering = [
        str(path.relative_to(COOP.parent))
        for path in COOP.rglob("*.py")
        if path.name != "errors.py" and "errorhandler" in path.read_text()
    ]
    assert not registering


def test_no_test_module_imports_another_test_module():
    """What test modules share lives in tests/support.py, tests/factories.py or a package's
    helpers.py: importing a test_* module would also collect its tests a second time and tie
    one module's tests to another's."""
    tests_dir = Path(__file__).resolve().parent

    def is_test_module(dotted: str) -> bool:
        return dotted.rsplit(".", 1)[-1].startswith("test_")

    found = []
    for path in sorted(tests_dir.rglob("test_*.py")):
        package = ".".join(path.relative_to(tests_dir.parent).parent.parts)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            where = f"{path.relative_to(tests_dir.parent)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # a relative import, from the module's own package upwards
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, *([base] if base else [])])
                modules = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for module in modules:
                if module.split(".")[0] == "tests" and is_test_module(module):
                    found.append(f"{where} imports {module}")
    assert not found, "\n".join(found)


def test_every_features_beat_entries_are_found(app):
    """Each tasks.py holds its own beat entries and is found by name (coop/features.py): a
    tasks module moved where it is not found would silently stop its periodic work."""
    assert set(app.extensions["celery"].conf.beat_schedule) == {
        "sweep-outbox", "forget-old-emails",  # mail
        "close-due-proposals",  # proposals
        "close-due-meeting-votes",  # meetings/voting: the safety close
        "close-due-elections",  # elections/voting: candidates fixed, votes counted
        "refresh-trending",  # ideas
        "recompute-common-ground",  # common_ground
        "daily-digest", "weekly-digest", "digest-catch-up", "digest-retries",
        "digest-housekeeping",  # digests
        "purge-data-exports",  # privacy/export
        "purge-unverified-accounts",  # privacy/deletion
        "forget-expired-register-entries",  # membership
        "remind-undecided-gifts",  # donations
        "forget-unpaid-checkouts",  # donations: details of checkouts never paid
        "forget-expired-gifts",  # donations: after the retention period
        "beat-heartbeat",  # ops: readiness tells a dead beat
    }  # fmt: skip
