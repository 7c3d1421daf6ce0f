# Looks for the host's environment (a secret variable is set in the host process).
exec(open("/sandbox/_attack.py").read())
import os

import js
import pyodide_js

FS = pyodide_js.FS


def proc_environ(pid):
    FS.mkdirTree(f"/p{pid}")
    FS.mount(FS.filesystems.NODEFS, js.Object.fromEntries([["root", f"/proc/{pid}"]]), f"/p{pid}")
    return open(f"/p{pid}/environ", "rb").read()


attempt("os.environ", lambda: dict(os.environ))
attempt("process.env", lambda: js.Object.entries(js.process.env).to_py())
attempt("emscripten ENV", lambda: js.Object.entries(pyodide_js._module.ENV).to_py())
attempt("/proc/self/environ", lambda: proc_environ("self"))
attempt("/proc/<host>/environ", lambda: proc_environ(params["hostPid"]))
attempt("process.report", lambda: js.process.report.getReport())
report()
