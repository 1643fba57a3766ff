"""Features are found, not listed: a core module that needs each feature's tasks or commands
asks for the modules of that role by name, so that it never imports a feature itself."""

import importlib
import pkgutil
from types import ModuleType


def feature_modules(role: str) -> list[ModuleType]:
    """Every feature's module named `role` (coop/<feature>/<role>.py, or in a feature's
    sub-package), imported, in a stable order."""
    import coop

    return [
        importlib.import_module(found.name)
        for found in sorted(pkgutil.walk_packages(coop.__path__, "coop."), key=lambda f: f.name)
        if found.name.rpartition(".")[2] == role and found.name.count(".") >= 2
    ]
