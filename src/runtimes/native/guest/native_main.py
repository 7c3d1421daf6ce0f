"""The program every native sandbox runs: the host's CPython, confined by the OS layers.

The host compiles this file and driver.py once (with the same interpreter) and starts
`python3 -I -S -B -X faulthandler -c <bootstrap> <site dir>...` inside bubblewrap, the bootstrap
running the compiled code (native-files.ts says why and how), with an empty environment (but for the loader's path and MALLOC_ARENA_MAX), fd 0 and
fd 1 on /dev/null, fd 2 for crash reports (faulthandler's) and the protocol on fd 3 (framing:
src/protocol/frame.ts; messages: src/protocol/messages.ts). It reads `init`, says `hello`, then
serves one request at a time until the host hangs up.

Nothing here is a security layer: the guest's code runs in this interpreter and can change
anything in it. The host enforces every limit from outside (time by SIGKILL, memory by the
cgroup and RLIMIT_AS, output by its own count, processes by seccomp). This code only gives the
guest a well-behaved run: a soft interrupt at the deadline, output sent as it is written, the
result as data.

Output is buffered (8 KiB, as CPython does for a pipe) and sent by a tick every 20 ms during a
run and at its end: a line printed before a sleep reaches the host within a tick, and a print
loop costs a system call per 8 KiB, not per line. What a hard kill cuts off is at most one tick.
"""

import _signal
import _thread
import io
import os
import posix
import sys
import time
import types

PROTOCOL_VERSION = 2
CHANNEL = 3
KIND_MESSAGE, KIND_STDOUT, KIND_STDERR = 1, 2, 3
MAX_FRAME_BYTES = 48 * 1024 * 1024
TICK_S = 0.02
# After the deadline, the interrupt is raised again this often while the code swallows it.
REFIRE_S = 0.1
MAX_LISTED_FILES = 100_000
# Output goes out in frames of at most this much (the host refuses a frame past MAX_FRAME_BYTES).
MAX_OUTPUT_FRAME_BYTES = 1024 * 1024
# Math libraries start a thread per core (each with its stack and buffers, against RLIMIT_AS and
# the task limit): one each, unless the policy's environment says otherwise.
THREAD_COUNT_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# The stack of each thread Python starts. glibc's default is RLIMIT_STACK (8 MiB), all of it
# address space under RLIMIT_AS: 2 MiB leaves ordinary threaded code its room (CPython 3.11+ runs
# Python-to-Python calls without the C stack).
THREAD_STACK_BYTES = 2 * 1024 * 1024

_MAIN_THREAD = _thread.get_ident()
# Frames are written whole, one at a time, whichever thread writes them.
_channel_lock = _thread.allocate_lock()


class _State:
    # Output between runs goes nowhere; during one, up to the cap (+1 byte, so the host sees the
    # overflow by its own count).
    capturing = False
    # The tick raises the interrupt only while the guest's code runs, never in this file's code.
    stoppable = False
    deadline = 0.0
    next_raise = 0.0
    overflow = False
    # The thread writing a frame now: the tick never interrupts the main thread in the middle of one.
    sender = None
    # Output writes in progress, in any thread: the tick's flush waits for the next tick.
    writers = 0
    # The request being served, which an os._exit() answers before it ends the process.
    request_id = None
    written = {KIND_STDOUT: 0, KIND_STDERR: 0}
    truncated = {KIND_STDOUT: False, KIND_STDERR: False}
    max_output = 0


def _send(kind, payload):
    frame = (len(payload) + 1).to_bytes(4, "big") + bytes((kind,)) + payload
    with _channel_lock:
        _State.sender = _thread.get_ident()
        try:
            view = memoryview(frame)
            while view:
                view = view[os.write(CHANNEL, view):]
        finally:
            _State.sender = None


def _send_message(message):
    _send(KIND_MESSAGE, driver.dumps(message).encode("utf-8", "surrogatepass"))


def _read_exact(count):
    chunks = []
    while count > 0:
        chunk = os.read(CHANNEL, min(count, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def _next_message():
    """The host's next message, or None once it hung up."""
    header = _read_exact(5)
    if header is None:
        return None
    length = int.from_bytes(header[:4], "big")
    if header[4] != KIND_MESSAGE or not 1 <= length <= MAX_FRAME_BYTES:
        raise SystemExit("pyward sandbox: the host broke the framing")
    payload = _read_exact(length - 1)
    if payload is None:
        return None
    return driver.loads(payload.decode("utf-8"))


class _Output(io.RawIOBase):
    """The raw stream under sys.stdout or sys.stderr: each write is one frame to the host."""

    # The buffered and text layers ask `raw.closed` at every write (they skip it only for a
    # FileIO): a plain attribute instead of IOBase's property made a print loop 1.2x → 1.09x
    # the cost of python3's own stdout.
    closed = False

    def __init__(self, kind):
        self.kind = kind

    def close(self):
        super().close()
        self.closed = True

    def writable(self):
        return True

    def write(self, data):
        size = len(data)
        if not _State.capturing:
            return size
        _State.writers += 1
        try:
            room = _State.max_output + 1 - _State.written[self.kind]
            if room > 0:
                kept = bytes(data[:room])
                for start in range(0, len(kept), MAX_OUTPUT_FRAME_BYTES):
                    _send(self.kind, kept[start : start + MAX_OUTPUT_FRAME_BYTES])
                _State.written[self.kind] += len(kept)
            if _State.written[self.kind] > _State.max_output and not _State.truncated[self.kind]:
                _State.truncated[self.kind] = True
                _State.overflow = True
        finally:
            _State.writers -= 1
        # Everything is reported written: the guest sees no I/O error, only the interrupt.
        return size


def _text_stream(kind, errors):
    raw = io.BufferedWriter(_Output(kind), buffer_size=8192)
    return io.TextIOWrapper(raw, encoding="utf-8", errors=errors)


# Lone surrogates are sent as they are (the host shows U+FFFD), as the Pyodide runtime does.
_stdout = _text_stream(KIND_STDOUT, "surrogatepass")
_stderr = _text_stream(KIND_STDERR, "backslashreplace")


def _flush_output():
    for stream in (_stdout, _stderr):
        try:
            stream.flush()
        except Exception:
            # A flush from the tick can land inside a write of the same stream (reentrant call):
            # that write sends the data itself.
            pass


def _tick(signum, frame):
    # Signal handlers run in the main thread, between its bytecodes.
    if _State.sender == _MAIN_THREAD:
        return
    if _State.writers == 0 and not _channel_lock.locked():
        _flush_output()
    if not _State.stoppable:
        return
    now = time.monotonic()
    if (now >= _State.deadline or _State.overflow) and now >= _State.next_raise:
        _State.next_raise = now + REFIRE_S
        raise driver.SandboxInterrupt("the sandbox stopped this run (time or output limit)")


def _run(request, step):
    _State.written = {KIND_STDOUT: 0, KIND_STDERR: 0}
    _State.truncated = {KIND_STDOUT: False, KIND_STDERR: False}
    _State.overflow = False
    stdin = io.TextIOWrapper(io.BytesIO(_b64decode(request.get("stdin", ""))), encoding="utf-8")
    sys.stdin = sys.__stdin__ = stdin
    _State.deadline = time.monotonic() + request["timeoutMs"] / 1000
    _State.next_raise = 0.0
    _State.capturing = True
    _State.stoppable = True
    _signal.setitimer(_signal.ITIMER_REAL, TICK_S, TICK_S)
    try:
        text = step()
        _State.stoppable = False
        outcome = driver.loads(text)
    except BaseException as error:
        # The interrupt landed in the driver's own code, after the guest's code had ended.
        _State.stoppable = False
        outcome = driver.loads(driver._dump(driver._outcome_of(error)))
    finally:
        _State.stoppable = False
        _flush_output()
        _State.capturing = False
        _signal.setitimer(_signal.ITIMER_REAL, 0, 0)
    if outcome["kind"] == "interrupted":
        truncated = _State.truncated[KIND_STDOUT] or _State.truncated[KIND_STDERR]
        outcome["reason"] = "output" if truncated else "timeout"
    return _outcome_message(outcome)


def _outcome_message(outcome):
    error = outcome.get("error") or {}
    return {
        "type": "outcome",
        "outcome": outcome,
        # RLIMIT_AS refused an allocation: what a guest could also raise itself, and may claim.
        "memoryCapHit": error.get("type") == "MemoryError",
        "stdoutTruncated": _State.truncated[KIND_STDOUT],
        "stderrTruncated": _State.truncated[KIND_STDERR],
        "heapBytes": _peak_rss_bytes(),
    }


def _peak_rss_bytes():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _run_coroutine(coroutine):
    """The driver's async runs: on an event loop kept for the sandbox's life."""
    import asyncio

    global _loop
    if _loop is None:
        _loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_loop)
    task = _loop.create_task(coroutine)
    try:
        return _loop.run_until_complete(task)
    except BaseException as error:
        # The interrupt was raised in the loop's own code (while it waited): the task is
        # cancelled, and runs its cancellation the next time the loop runs.
        task.cancel()
        return driver._dump(driver._outcome_of(error))


_loop = None


def _b64decode(text):
    import binascii

    return binascii.a2b_base64(text) if text else b""


def _b64encode(data):
    import binascii

    return binascii.b2a_base64(data, newline=False).decode("ascii")


# ---- files in the scratch dir (paths arrive checked by the host; checked again here) ----


def _scratch_path(path):
    absolute = os.path.normpath(os.path.join(_scratch, path))
    if not absolute.startswith(_scratch + "/"):
        return None
    return absolute


def _failed(code, message):
    return {"type": "failed", "code": code, "message": message}


def _write_file(request):
    path = _scratch_path(request["path"])
    if path is None:
        return _failed("INVALID_PATH", f"{request['path']} is outside the scratch dir")
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # O_NOFOLLOW: a symlink the guest left at this path is refused, never written through.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with open(fd, "wb") as file:
            file.write(_b64decode(request["data"]))
        return {"type": "done"}
    except OSError as error:
        return _failed("IO_ERROR", f"cannot write {request['path']}: {error.strerror or error}")


def _read_file(request):
    import stat

    path = _scratch_path(request["path"])
    if path is None:
        return _failed("INVALID_PATH", f"{request['path']} is outside the scratch dir")
    try:
        # O_NOFOLLOW and fstat: a symlink is reported, never followed, so a returned file is
        # always the file the caller named inside the scratch dir.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return _failed("FILE_NOT_FOUND", f"no file {request['path']} in the scratch dir")
    with open(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return _failed("FILE_NOT_FOUND", f"{request['path']} is not a regular file")
        if info.st_size > _max_file_bytes:
            return _failed(
                "FILE_TOO_LARGE",
                f"{request['path']} has {info.st_size} bytes, more than the {_max_file_bytes}"
                " a file may move out",
            )
        data = file.read(_max_file_bytes + 1)
    if len(data) > _max_file_bytes:
        return _failed("FILE_TOO_LARGE", f"{request['path']} grew past {_max_file_bytes} bytes")
    return {"type": "file", "data": _b64encode(data)}


def _list_files(request):
    import stat

    entries = []

    def walk(directory):
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            info = os.lstat(path)
            relative = os.path.relpath(path, _scratch)
            if stat.S_ISDIR(info.st_mode):
                entries.append({"path": relative, "type": "directory", "size": 0})
                walk(path)
            else:
                kind = "file" if stat.S_ISREG(info.st_mode) else "other"
                entries.append({"path": relative, "type": kind, "size": info.st_size})
            if len(entries) >= MAX_LISTED_FILES:
                return

    try:
        walk(_scratch)
    except OSError as error:
        return _failed("IO_ERROR", f"cannot list the scratch dir: {error.strerror or error}")
    return {"type": "fileList", "entries": entries[:MAX_LISTED_FILES]}


def _handle(request):
    kind = request["type"]
    if kind == "run":
        return _run(request, lambda: driver.start(request["code"], request["filename"]))
    if kind == "call":
        return _run(request, lambda: driver.call(request["name"], request["args"]))
    if kind == "writeFile":
        return _write_file(request)
    if kind == "readFile":
        return _read_file(request)
    if kind == "listFiles":
        return _list_files(request)
    raise SystemExit(f"pyward sandbox: unknown request {kind!r}")


def _load_driver(code):
    """driver.py (compiled by the host as "<pyward-driver>") as the module `_pyward_driver`."""
    module = types.ModuleType("_pyward_driver")
    sys.modules[module.__name__] = module
    exec(code, module.__dict__)
    return module


def _add_site_dir(directory):
    """A site-packages directory on sys.path, with the directories its .pth files name.

    Unlike `site.addsitedir`, a .pth file's `import` lines (code run at every start, e.g. a
    certificate injector's: 27 ms here) are not run: a sandbox starts with the guest's code only.
    """
    sys.path.append(directory)
    try:
        names = sorted(name for name in os.listdir(directory) if name.endswith(".pth"))
    except OSError:
        return
    for name in names:
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as file:
                lines = file.read().splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            if not line or line.startswith(("#", "import ", "import\t")):
                continue
            path = os.path.normpath(os.path.join(directory, line.rstrip()))
            if path not in sys.path and os.path.isdir(path):
                sys.path.append(path)


def _flushing(end, answers):
    """os._exit and os.abort, sending the run's buffered output first (CPython would lose it;
    the Pyodide runtime sends every write at once, so nothing is lost there either). os._exit
    also answers the run, so that the host reports the status given, whatever it is (from the
    process's end alone, a status above 128 would read as a signal)."""

    def ending(*args):
        _State.stoppable = False
        _flush_output()
        if answers and _State.request_id is not None and args and isinstance(args[0], int):
            _send_message({**_outcome_message({"kind": "terminated", "exitCode": args[0] & 0xFF}),
                           "id": _State.request_id})
        end(*args)

    ending.__name__ = end.__name__
    ending.__doc__ = end.__doc__
    return ending


def _start(init, site_dirs):
    global _scratch, _max_file_bytes
    _scratch = init["scratchDir"]
    _max_file_bytes = init["maxFileBytes"]
    _State.max_output = init["maxOutputBytes"]
    for directory in site_dirs:
        _add_site_dir(directory)
    for file in init["files"]:
        os.makedirs(os.path.dirname(file["path"]), exist_ok=True)
        with open(file["path"], "wb") as out:
            out.write(_b64decode(file["data"]))
    sys.stdout = sys.__stdout__ = _stdout
    sys.stderr = sys.__stderr__ = _stderr
    driver.driver_files.add(__file__)
    driver.async_runner = _run_coroutine
    driver.configure(init["env"], _scratch, init["recursionLimit"], init["maxValueBytes"])
    # posix._exit is the same function as os._exit: both names get the wrapper.
    os._exit = posix._exit = _flushing(os._exit, answers=True)
    os.abort = posix.abort = _flushing(os.abort, answers=False)
    _thread.stack_size(THREAD_STACK_BYTES)
    for name in THREAD_COUNT_VARIABLES:
        if name not in init["env"]:
            # The C environment only: os.environ stays exactly the policy's.
            os.putenv(name, "1")
    _signal.signal(_signal.SIGALRM, _tick)


def main():
    init = _next_message()
    if init is None or init.get("type") != "init" or init.get("protocolVersion") != PROTOCOL_VERSION:
        raise SystemExit("pyward sandbox: the host did not start with a matching init message")
    try:
        _start(init, sys.argv[1:])
    except BaseException as error:
        _send_message({"type": "startFailed", "message": f"{type(error).__name__}: {error}"})
        raise SystemExit(1)
    version = sys.version.split()[0]
    _send_message({"type": "hello", "protocolVersion": PROTOCOL_VERSION, "pythonVersion": version})
    while True:
        request = _next_message()
        if request is None:
            return
        if request["type"] == "init":
            continue
        _State.request_id = request["id"]
        reply = _handle(request)
        _State.request_id = None
        reply["id"] = request["id"]
        _send_message(reply)


driver = _load_driver(DRIVER_CODE)  # noqa: F821 (given by the bootstrap)
_scratch = "/sandbox"
_max_file_bytes = 0
main()
