# Connects to a unix socket in the abstract namespace ("\0name": no file, so no mount or file
# permission stands in the way, only the network namespace) that the host test listens on.
# Through Python's socket module and through the JavaScript realm (where the runtime has one).
# Judged on the host: its listener sees no connection.
exec(open("/sandbox/_attack.py").read())
import socket

path = params["abstractPath"]
AF_UNIX = getattr(socket, "AF_UNIX", 1)


def python_socket(kind):
    with socket.socket(AF_UNIX, kind) as client:
        client.settimeout(1)
        client.connect(path)
        return client.send(b"escaped")


attempt("socket AF_UNIX stream", lambda: python_socket(socket.SOCK_STREAM))
attempt("socket AF_UNIX datagram", lambda: python_socket(socket.SOCK_DGRAM))
attempt("getBuiltinModule net", lambda: js.process.getBuiltinModule("net").connect(ffi.to_js({"path": path})))
attempt("require net", lambda: js.require("net").createConnection(path))
attempt("process.binding pipe_wrap", lambda: js.process.binding("pipe_wrap"))
attempt("_linkedBinding pipe_wrap", lambda: js.process._linkedBinding("pipe_wrap"))
attempt("WebSocket", lambda: js.WebSocket.new("ws+unix://" + path))


async def sockets_through_node():
    await pyodide_js.useNodeSockFS()
    return python_socket(socket.SOCK_STREAM)


await attempt_async("useNodeSockFS", sockets_through_node)
report()
