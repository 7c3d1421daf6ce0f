# Looks for the host's environment (a secret variable is set in the host process): the sandbox's
# own, /proc's of other processes, and the JavaScript realm's (where the runtime has one).
exec(open("/sandbox/_attack.py").read())
import os


def proc_environ(pid):
    fs = pyodide_js.FS
    fs.mkdirTree(f"/p{pid}")
    fs.mount(fs.filesystems.NODEFS, js.Object.fromEntries([["root", f"/proc/{pid}"]]), f"/p{pid}")
    return open(f"/p{pid}/environ", "rb").read()


attempt("os.environ", lambda: dict(os.environ))
for pid in ("self", "1", params["hostPid"]):
    attempt(f"open /proc/{pid}/environ", lambda pid=pid: open(f"/proc/{pid}/environ", "rb").read())
attempt("process.env", lambda: js.Object.entries(js.process.env).to_py())
attempt("emscripten ENV", lambda: js.Object.entries(pyodide_js._module.ENV).to_py())
attempt("/proc/self/environ through NODEFS", lambda: proc_environ("self"))
attempt("/proc/<host>/environ through NODEFS", lambda: proc_environ(params["hostPid"]))
attempt("process.report", lambda: js.process.report.getReport())
report()
