# Tries to read a host file outside every mount (the canary), by every route known to us.
exec(open("/sandbox/_attack.py").read())
import os

import js
import pyodide_js

canary, folder = params["canaryPath"], params["canaryDir"]
FS = pyodide_js.FS

attempt("open", lambda: open(canary).read())
attempt("listdir", lambda: os.listdir(folder))
attempt("relative dotdot", lambda: open("../" * 12 + canary.lstrip("/")).read())


def mount_nodefs(root, at):
    FS.mkdirTree(at)
    FS.mount(FS.filesystems.NODEFS, js.Object.fromEntries([["root", root]]), at)
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
