"""Features are found, not listed: a core module that needs each feature's tasks or commands
asks for the modules of that role by name, so that it never imports a feature itself."""

import importlib
import pkgutil
from functools import cache
from types import ModuleType


@cache  # every app a process builds (the tests build hundreds) asks the same
def feature_modules(role: str) -> tuple[ModuleType, ...]:
    """Every feature's module named `role` (coop/<feature>/<role>.py, or in a feature's
    sub-package), imported, in a stable order."""
    import coop

    return tuple(
        importlib.import_module(found.name)
        for found in sorted(pkgutil.walk_packages(coop.__path__, "coop."), key=lambda f: f.name)
        if found.name.rpartition(".")[2] == role and found.name.count(".") >= 2
    )
