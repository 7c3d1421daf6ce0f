# Uses file descriptors the host process had open without close-on-exec: a native interpreter
# reads and writes them directly; in Pyodide, Node's fd-based calls (not covered by the permission
# model) reach them through a NODEFS stream whose Node fd is swapped for theirs.
exec(open("/sandbox/_attack.py").read())
import os


def read_fd(fd):
    if native():
        return os.pread(fd, 4096, 0)
    buffer = js.Uint8Array.new(4096)
    count = pyodide_js.FS.filesystems.NODEFS.stream_ops.read(node_stream(fd), buffer, 0, 4096, 0)
    return buffer.subarray(0, count).to_bytes()


for fd in params["inheritedFds"]:
    attempt(f"read fd {fd}", lambda fd=fd: read_fd(fd))
    attempt(f"write fd {fd}", lambda fd=fd: fd_writer(fd)(b"written by the guest\n"))
report()
