# Goes for undici, Node's bundled HTTP client: touching Response, Request, Headers, FormData,
# MessageEvent or WebAssembly.compileStreaming loads it, and it puts a global Agent (and through
# it net.Socket, TCP and Pipe) on a well-known symbol. This worked while only fetch was removed.
exec(open("/sandbox/_attack.py").read())
import js
from pyodide.ffi import to_js

port = params["port"]
dispatcher_symbol = getattr(js.Symbol, "for")("undici.globalDispatcher.1")

for trigger in ("Response", "Request", "Headers", "FormData", "MessageEvent"):
    attempt(f"touch {trigger}", lambda name=trigger: str(js.Reflect.get(js.globalThis, name)))
attempt("compileStreaming", lambda: js.WebAssembly.compileStreaming(js.Promise.resolve(1)))
attempt("instantiateStreaming", lambda: js.WebAssembly.instantiateStreaming(js.Promise.resolve(1)))


async def request_through_agent():
    agent = js.Reflect.get(js.globalThis, dispatcher_symbol)
    options = to_js(
        {"origin": f"http://127.0.0.1:{port}", "path": "/escaped", "method": "GET"},
        dict_converter=js.Object.fromEntries,
    )
    return (await agent.request(options)).statusCode


try:
    outcomes["agent.request"] = ("returned", repr(await request_through_agent()))
except BaseException as error:  # noqa: BLE001 - every failure is an outcome here
    outcomes["agent.request"] = ("raised", f"{type(error).__name__}: {error}"[:300])
attempt("redefine the dispatcher", lambda: js.Object.defineProperty(js.globalThis, dispatcher_symbol, js.Object.new()))
report()
