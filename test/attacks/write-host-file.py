# Tries to create a file on the host (the marker), by every route known to us: Python's own,
# /proc's views of other roots, and the JavaScript realm (where the runtime has one).
exec(open("/sandbox/_attack.py").read())
import os

marker, folder = params["markerPath"], params["markerDir"]


def fs():
    return pyodide_js.FS


def write(path):
    with open(path, "w") as file:
        file.write("escaped")


def write_through_nodefs(root, at, name):
    fs().mkdirTree(at)
    fs().mount(fs().filesystems.NODEFS, js.Object.fromEntries([["root", root]]), at)
    write(f"{at}/{name}")


attempt("open", lambda: write(marker))
attempt("mkdir", lambda: os.mkdir(f"{folder}/escaped-dir"))
attempt("/proc/1/root", lambda: write(f"/proc/1/root{marker}"))
attempt("/proc/<host>/root", lambda: write(f"/proc/{params['hostPid']}/root{marker}"))
attempt("symlink in /tmp", lambda: (os.symlink(marker, "/tmp/to-marker"), write("/tmp/to-marker")))
attempt("NODEFS mount of the marker dir", lambda: write_through_nodefs(folder, "/w1", "escaped"))
attempt("NODEFS mount of /", lambda: write_through_nodefs("/", "/w2", marker.lstrip("/")))
attempt("report to file", lambda: js.process.report.writeReport(marker))
attempt("process.binding fs", lambda: js.process.binding("fs"))
attempt("unlink the canary", lambda: os.unlink(params["canaryPath"]))
# The device nodes and the /dev/null on fds 0 and 1 are the host's own inodes: a sandbox whose uid
# mapped to the host's root would own them, and could change them for every host process.
attempt("chmod /dev/null", lambda: os.chmod("/dev/null", 0o600))
attempt("chmod /dev/urandom", lambda: os.chmod("/dev/urandom", 0o600))
attempt("fchmod fd 0", lambda: os.fchmod(0, 0o600))
attempt("fchmod fd 1", lambda: os.fchmod(1, 0o600))
report()
