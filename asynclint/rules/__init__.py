"""Every module in this package is a rule (or rule helpers, when its name starts with `_`).

Importing this package imports them all; rules register themselves on class creation.
"""

from __future__ import annotations

import importlib
import pkgutil

from asynclint.rule import REGISTRY, Rule


def load_rules() -> dict[str, type[Rule]]:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return dict(sorted(REGISTRY.items()))
