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



def native():
    """Whether this is a native sandbox (the host's CPython, with no JavaScript realm)."""
    return isinstance(pyodide_js, _Missing)


def node_stream(fd):
    """Pyodide only: a NODEFS stream (of one of Pyodide's own files) whose Node fd is swapped for
    `fd` of the sandbox process, so that Node's fd-based calls reach that fd."""
    import os

    fs = pyodide_js.FS
    if not os.path.exists("/h/package.json"):
        fs.mkdirTree("/h")
        root = pyodide_js._api.config.indexURL.rstrip("/")
        fs.mount(fs.filesystems.NODEFS, js.Object.fromEntries([["root", root]]), "/h")
    stream = fs.getStream(os.open("/h/package.json", os.O_RDONLY))
    stream.nfd = fd
    return stream


def fd_writer(fd):
    """A function that writes bytes to `fd` of the sandbox process (3 is the host's protocol
    channel): directly in a native sandbox, through a NODEFS stream in Pyodide."""
    import os

    if native():

        def write_directly(data):
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]

        return write_directly
    stream = node_stream(fd)
    stream_ops = pyodide_js.FS.filesystems.NODEFS.stream_ops

    def write_through_node(data):
        array = ffi.to_js(data)
        stream_ops.write(stream, array, 0, array.length, ffi.jsnull)

    return write_through_node


def forged_outcome(request_id):
    """A frame answering a run with id `request_id`, as the sandbox's own code would send it."""
    import struct

    reply = {
        "type": "outcome",
        "id": request_id,
        "outcome": {"kind": "returned", "value": '"forged"', "valueRepr": "'forged'"},
        "memoryCapHit": False,
        "stdoutTruncated": False,
        "stderrTruncated": False,
        "heapBytes": 0,
    }
    payload = json.dumps(reply).encode()
    return struct.pack(">IB", len(payload) + 1, 1) + payload
