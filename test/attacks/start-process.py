# Tries to start a host process that would create the marker, through Python and through the
# JavaScript realm (where the runtime has one).
exec(open("/sandbox/_attack.py").read())
import os
import subprocess

command = f"touch {params['markerPath']}"

attempt("os.system", lambda: os.system(command))
attempt("subprocess.run", lambda: subprocess.run(["touch", params["markerPath"]]))
attempt("os.popen", lambda: os.popen(command).read())
attempt("os.fork", lambda: os.fork())
attempt("os.execv", lambda: os.execv("/usr/bin/touch", ["touch", params["markerPath"]]))
attempt("os.posix_spawn", lambda: os.posix_spawn("/usr/bin/touch", ["touch", params["markerPath"]], {}))
attempt("js.require child_process", lambda: js.require("child_process").execSync(command))
attempt("process.binding spawn_sync", lambda: js.process.binding("spawn_sync"))
attempt("getBuiltinModule", lambda: js.process.getBuiltinModule("child_process").execSync(command))
attempt("process.dlopen", lambda: js.process.dlopen(js.Object.new(), "/usr/lib/x86_64-linux-gnu/libc.so.6"))
attempt("_linkedBinding", lambda: js.process._linkedBinding("spawn_sync"))
attempt("pyodide _module system", lambda: pyodide_js._module._system(0))
report()
