# Tries to reach a TCP listener on the host's loopback, through Python's sockets and through the
# JavaScript realm (where the runtime has one).
exec(open("/sandbox/_attack.py").read())
import socket
import urllib.request

port = params["port"]
url = f"http://127.0.0.1:{port}/"


attempt("socket", lambda: socket.create_connection(("127.0.0.1", port), timeout=1))
attempt("socket localhost", lambda: socket.create_connection(("localhost", port), timeout=1))
attempt("socket ::ffff:127.0.0.1", lambda: socket.create_connection(("::ffff:127.0.0.1", port), timeout=1))
attempt("urllib", lambda: urllib.request.urlopen(url, timeout=1))
attempt("js.fetch", lambda: js.fetch(url))
attempt("XMLHttpRequest", lambda: js.XMLHttpRequest.new())
attempt("WebSocket", lambda: js.WebSocket.new(f"ws://127.0.0.1:{port}/"))
attempt("process.binding tcp_wrap", lambda: js.process.binding("tcp_wrap"))


async def sockets_through_node():
    # Pyodide's own bridge from Python sockets to node:net (measured: it reached the listener).
    await pyodide_js.useNodeSockFS()
    return socket.create_connection(("127.0.0.1", port), timeout=1)


async def pyfetch():
    from pyodide.http import pyfetch

    return await pyfetch(url)


await attempt_async("useNodeSockFS", sockets_through_node)
await attempt_async("initializeNodeSockFS", lambda: pyodide_js._api.initializeNodeSockFS())
await attempt_async("pyfetch", pyfetch)
report()
