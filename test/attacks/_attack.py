# Shared by the attack scripts: their parameters, and a way to try things and say what happened.
# (Loaded with exec() by each attack so that every attack stays a single readable file.)
import importlib
import json

params = json.load(open("/sandbox/params.json"))
outcomes = {}


def attempt(name, action):
    """Runs one attempt; records its result or its exception. Judged by the host, not by this."""
    try:
        outcomes[name] = ("returned", repr(action())[:500])
    except BaseException as error:  # noqa: BLE001 - every failure is an outcome here
        outcomes[name] = ("raised", f"{type(error).__name__}: {error}"[:500])


async def attempt_async(name, action):
    """The same for an attempt that must be awaited."""
    try:
        outcomes[name] = ("returned", repr(await action())[:500])
    except BaseException as error:  # noqa: BLE001 - every failure is an outcome here
        outcomes[name] = ("raised", f"{type(error).__name__}: {error}"[:500])


def report():
    for name, (how, what) in outcomes.items():
        print(f"{name}: {how}: {what}")


class _Missing:
    """Stands in for a module this runtime lacks: every attribute raises the ImportError."""

    def __init__(self, error):
        self._error = error

    def __getattr__(self, name):
        raise ImportError(f"{self._error} (needed for .{name})")


def optional_import(name):
    """The module, or a stand-in where this runtime has none (`js` in a native sandbox), so that
    an attack runs every route the runtime has and records the others as raised."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        return _Missing(error)


# Pyodide's JavaScript realm, where there is one.
js = optional_import("js")
pyodide_js = optional_import("pyodide_js")
ffi = optional_import("pyodide.ffi")
