# Gets the sandbox's own code to run the guest's after the reply is sent, when the host believes
# the sandbox idle: hooks on built-ins that code uses (JSON.stringify, Array.prototype.shift), and
# work on libuv's worker threads (WebCrypto), which go on while the main thread waits.
import js
from pyodide.ffi import create_proxy

state = {"armed": False}
original_stringify = js.JSON.stringify
original_shift = js.Array.prototype.shift


def stringify(*args):
    if args and getattr(args[0], "type", None) == "outcome":
        state["armed"] = True
    return original_stringify.apply(js.JSON, js.Array.from_(args))


def shift(this, *args):
    if state["armed"]:
        state["armed"] = False
        while True:
            pass
    return original_shift.call(this)


js.JSON.stringify = create_proxy(stringify)
js.Array.prototype.shift = create_proxy(shift, capture_this=True)
try:
    js.crypto.subtle.digest("SHA-256", js.Uint8Array.new(1 << 20))
except Exception as error:  # noqa: BLE001
    print("no subtle:", type(error).__name__)
"hooks installed"
