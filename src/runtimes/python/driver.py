"""pyward's driver inside the sandbox: runs the guest's code and reports how it ended, as data.

This is not a security layer: the guest's code can read and change everything here. It only
shapes outcomes for the host (the last expression's value, the exception with the user's own
frames, exit codes); the host decides the final status and enforces every limit by itself.

Every entry point returns the outcome as JSON text, or, when the guest's code is async (top-level
`await`), an asyncio Task that resolves to it (unless the runtime runs coroutines itself: see
`async_runner`).

It imports only what every run needs, and nothing that pulls in `re` or `enum` (about 8 ms of a
native sandbox's start): `_ast` and `_json` are the C modules under `ast` and `json`; the rest
(tracebacks, asyncio, inspect) is imported when a run needs it.
"""

import _ast
import _json
import _signal
import builtins
import os
import sys
import types

DRIVER_FILENAME = "<pyward-driver>"
# Frames of these files are pyward's, never shown in the guest's tracebacks.
driver_files = {DRIVER_FILENAME}
# Set by a runtime that runs coroutines itself: called with a coroutine that resolves to the
# outcome JSON, it returns that JSON.
async_runner = None

_PyCF_ONLY_AST = 0x400
_PyCF_ALLOW_TOP_LEVEL_AWAIT = 0x2000
_CO_COROUTINE = 0x80
# Every run's source by file name, for tracebacks (given to linecache when one is shown).
_sources = {}

_namespace = {}
_max_value_bytes = 1024 * 1024
_current_task = None
_cancel_requested = False


class SandboxInterrupt(BaseException):
    """Raised in the guest's code when the sandbox stops a run (time or output limit).

    A BaseException, so that `except Exception:` in the guest's code does not swallow it.
    """


SandboxInterrupt.__module__ = "pyward"


def _on_interrupt(signum, frame):
    raise SandboxInterrupt("the sandbox stopped this run (time or output limit)")


def _refuse_processes(*args, **kwargs):
    raise PermissionError(1, "starting processes is not permitted in the sandbox")


class _Quitter:
    """exit() and quit(): `site` defines them (a native sandbox runs without it), and its own
    close sys.stdin first, which would leave every later run of the sandbox without one."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"Use {self.name}() or Ctrl-D (i.e. EOF) to exit"

    def __call__(self, code=None):
        raise SystemExit(code)


def configure(env, scratch_dir, recursion_limit, max_value_bytes):
    """Prepares a fresh `__main__`, the environment and the interrupt handler; called once."""
    global _namespace, _max_value_bytes
    _signal.signal(_signal.SIGINT, _on_interrupt)
    # Pyodide puts defaults of its own (HOME, USER, PATH, the loader's path in `_`) into the
    # environment; the guest gets exactly what the policy grants.
    os.environ.clear()
    os.environ.update(env)
    os.chdir(scratch_dir)
    # An interpreter restored from a memory snapshot holds the snapshot's PRNG state: every
    # sandbox would draw the same "random" numbers. Reseed from os.urandom, fresh in each process.
    # (The str/bytes hash seed is fixed at interpreter start and stays the snapshot's: docs.)
    # A module not yet imported seeds itself from os.urandom when it is.
    if "random" in sys.modules:
        sys.modules["random"].seed()
    if recursion_limit is not None:
        sys.setrecursionlimit(recursion_limit)
    # The permission model refuses processes anyway; this makes the refusal a clear exception.
    os.system = _refuse_processes
    builtins.exit = _Quitter("exit")
    builtins.quit = _Quitter("quit")
    main = types.ModuleType("__main__")
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    _namespace = main.__dict__
    _max_value_bytes = max_value_bytes


def warm_up():
    """Makes V8 optimise the interpreter's hot paths before the first run of a sandbox restored
    from a snapshot. V8 compiles WebAssembly cheaply first and optimises a function once it has
    been called often, but never swaps the code of a call already running: CPython runs a whole
    program in one call of its eval loop, so a first run would stay on the slow code throughout
    (measured: a recursive fib 3x slower than on a second run). A cold boot does this on its own.
    Runs before any guest code, in a namespace of its own."""
    namespace = {}
    exec(
        "def step(n):\n    return (n * 7 + len(str(n))) % 1000\n"
        "total = sum(map(step, range(30000)))\n"
        "table = {str(i): [i, i * 0.5] for i in range(3000)}\n",
        namespace,
    )


def start(source, filename):
    """Runs `source` in the session's `__main__`; the last expression is the value."""
    sys.argv = [filename]
    _sources[filename] = (len(source), None, source.splitlines(True), filename)
    if "linecache" in sys.modules:
        sys.modules["linecache"].cache[filename] = _sources[filename]
    try:
        body, last = _compile(source, filename)
    except BaseException as error:
        return _dump(_outcome_of(error))
    if _is_async(body) or (last is not None and _is_async(last)):
        return _run_coroutine(_run_async(body, last))
    return _settle(lambda: _run_sync(body, last))


def call(name, args_json):
    """Calls a function of the session's `__main__` with JSON arguments."""
    function = _namespace.get(name)
    if not callable(function):
        error = NameError(f"name {name!r} is not defined") if function is None else TypeError(
            f"{name!r} is a {type(function).__name__}, not a function"
        )
        return _dump(_outcome_of(error))
    args = loads(args_json)
    if _is_coroutine_function(function):
        return _run_coroutine(function(*args))
    return _settle(lambda: function(*args))


def interrupt_async():
    """Cancels the running async run (its deadline passed while it was awaiting)."""
    global _cancel_requested
    if _current_task is not None and not _current_task.done():
        _cancel_requested = True
        _current_task.cancel("the sandbox stopped this run (time or output limit)")


def loads(text):
    """json.loads for the driver's own messages, from the C scanner under `json`."""
    value, end = _scanner(text, 0)
    if text[end:].strip():
        raise ValueError("extra data after the JSON value")
    return value


def dumps(value, allow_nan=True):
    """json.dumps(value, ensure_ascii=False, allow_nan=allow_nan), from the C encoder under `json`."""
    encode = _json.make_encoder(
        {}, _not_serializable, _json.encode_basestring, None, ": ", ", ", False, False, allow_nan
    )
    return "".join(encode(value, 0))


def _not_serializable(value):
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class _ScanContext:
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo = {}

    @staticmethod
    def parse_constant(name):
        return {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}[name]


_scanner = _json.make_scanner(_ScanContext)


def _is_coroutine_function(function):
    import inspect

    return inspect.iscoroutinefunction(function)


def _run_coroutine(coroutine):
    if async_runner is not None:
        return async_runner(_settle_async(coroutine))
    return _start_task(coroutine)


def _compile(source, filename):
    """Splits the source into a body and, if the last statement is an expression, that expression."""
    flags = _PyCF_ALLOW_TOP_LEVEL_AWAIT
    tree = compile(source, filename, "exec", flags | _PyCF_ONLY_AST, dont_inherit=True)
    last = None
    if tree.body and isinstance(tree.body[-1], _ast.Expr):
        last = _ast.Expression(tree.body.pop().value)
        last = compile(last, filename, "eval", flags, dont_inherit=True)
    body = compile(tree, filename, "exec", flags, dont_inherit=True)
    return body, last


def _is_async(code):
    return bool(code.co_flags & _CO_COROUTINE)


def _run_sync(body, last):
    exec(body, _namespace)
    return None if last is None else eval(last, _namespace)


async def _run_async(body, last):
    import inspect

    pending = eval(body, _namespace)
    if inspect.iscoroutine(pending):
        await pending
    if last is None:
        return None
    value = eval(last, _namespace)
    return await value if _is_async(last) else value


def _settle(thunk):
    try:
        return _dump(_returned(thunk()))
    except BaseException as error:
        return _dump(_outcome_of(error))
    finally:
        _flush()


def _start_task(coroutine):
    import asyncio

    global _current_task, _cancel_requested
    _cancel_requested = False
    _current_task = asyncio.ensure_future(_settle_async(coroutine))
    return _current_task


async def _settle_async(coroutine):
    import asyncio

    try:
        return _dump(_returned(await coroutine))
    except asyncio.CancelledError as error:
        if _cancel_requested:
            return _dump({"kind": "interrupted", "reason": "timeout", "error": _describe(error)})
        return _dump(_outcome_of(error))
    except BaseException as error:
        return _dump(_outcome_of(error))
    finally:
        _flush()


def _returned(value):
    if value is None:
        return {"kind": "returned", "value": None, "valueRepr": None}
    try:
        text = dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        text = None
    if text is not None and len(text.encode("utf-8", "surrogatepass")) > _max_value_bytes:
        text = None
    return {"kind": "returned", "value": text, "valueRepr": _bounded(repr(value))}


def _outcome_of(error):
    if isinstance(error, SystemExit):
        return _exited(error)
    if isinstance(error, SandboxInterrupt):
        # The host knows why it stopped the run; "timeout" is refined to "output" there.
        return {"kind": "interrupted", "reason": "timeout", "error": _describe(error)}
    return {"kind": "raised", "error": _describe(error)}


def _exited(error):
    """CPython's rules for SystemExit: None is 0, an int is the status, anything else is printed."""
    code = error.code
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code & 0xFF
    else:
        print(code, file=sys.stderr)
        status = 1
    if status == 0:
        return {"kind": "exited", "exitCode": 0, "error": None}
    described = {"type": "SystemExit", "message": _bounded(_safe_str(code)), "traceback": ""}
    return {"kind": "exited", "exitCode": status, "error": described}


def _describe(error):
    """The exception as the user would see it: their own frames only, none of the driver's."""
    try:
        import linecache
        import traceback

        linecache.cache.update(_sources)
        described = traceback.TracebackException.from_exception(error, compact=True)
        _drop_driver_frames(described, set())
        text = "".join(described.format())
    except BaseException:
        text = f"{_type_name(type(error))}: {_safe_str(error)}\n"
    return {
        "type": _bounded(_type_name(type(error))),
        "message": _bounded(_safe_str(error)),
        "traceback": _bounded(text),
    }


def _drop_driver_frames(described, seen):
    """Removes this file's frames (at the top, and the interrupt handler's at the bottom)."""
    if described is None or id(described) in seen:
        return
    seen.add(id(described))
    frames = [frame for frame in described.stack if frame.filename not in driver_files]
    described.stack = type(described.stack).from_list(frames)
    _drop_driver_frames(described.__cause__, seen)
    _drop_driver_frames(described.__context__, seen)
    for nested in described.exceptions or ():
        _drop_driver_frames(nested, seen)


def _type_name(cls):
    module = getattr(cls, "__module__", "")
    name = getattr(cls, "__qualname__", cls.__name__)
    return name if module in ("builtins", "__main__") else f"{module}.{name}"


def _safe_str(value):
    try:
        return str(value)
    except BaseException:
        return f"<{type(value).__name__} that cannot be shown>"


def _bounded(text):
    """At most _max_value_bytes of UTF-8, ending in "…" when cut (the host cuts the same way)."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= _max_value_bytes:
        return text
    room = max(0, _max_value_bytes - len("…".encode()))
    return encoded[:room].decode("utf-8", "ignore") + "…"


def _dump(outcome):
    return dumps(outcome)


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
