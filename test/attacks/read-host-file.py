# Tries to read a host file outside every mount (the canary), by every route known to us: Python's
# own, /proc's views of other roots, and the JavaScript realm (where the runtime has one).
exec(open("/sandbox/_attack.py").read())
import os

canary, folder = params["canaryPath"], params["canaryDir"]


def fs():
    return pyodide_js.FS


attempt("open", lambda: open(canary).read())
attempt("listdir", lambda: os.listdir(folder))
attempt("relative dotdot", lambda: open("../" * 12 + canary.lstrip("/")).read())
# The root of another process: pid 1 of the sandbox's namespace, and the host's pid (which that
# namespace should not even have).
attempt("/proc/1/root", lambda: open(f"/proc/1/root{canary}").read())
attempt("/proc/<host>/root", lambda: open(f"/proc/{params['hostPid']}/root{canary}").read())
attempt("/proc/self/root", lambda: open(f"/proc/self/root{canary}").read())
attempt("/proc/1/cwd", lambda: os.listdir("/proc/1/cwd"))


def mount_nodefs(root, at):
    fs().mkdirTree(at)
    fs().mount(fs().filesystems.NODEFS, js.Object.fromEntries([["root", root]]), at)
    return os.listdir(at), open(at + "/canary.txt").read()


attempt("NODEFS mount of the canary dir", lambda: mount_nodefs(folder, "/x1"))
attempt("NODEFS mount of /", lambda: mount_nodefs("/", "/x2"))
attempt("mountNodeFS", lambda: pyodide_js.mountNodeFS("/x3", folder))
attempt("loadBinaryFile", lambda: bytes(pyodide_js._api.loadBinaryFile(canary).to_py()))
attempt("process.binding fs", lambda: js.process.binding("fs"))
attempt("getBuiltinModule", lambda: js.process.getBuiltinModule("fs").readFileSync(canary, "utf8"))
attempt("require", lambda: js.require("fs").readFileSync(canary, "utf8"))
attempt("report", lambda: js.process.report.getReport())
report()
