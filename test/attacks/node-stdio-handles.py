# Goes for Node's own stdio objects: a pipe's net.Socket hands out the Socket, Pipe and TCP classes
# (network out and in, host files created and deleted through Pipe.bind), and stdin's ReadStream
# holds the whole fs module. All of these worked before the sandbox replaced its stdio.
exec(open("/sandbox/_attack.py").read())
import js

port, marker, canary = params["port"], params["markerPath"], params["canaryPath"]


def streams():
    yield "process.stdout", js.process.stdout
    yield "process.stderr", js.process.stderr
    yield "process.stdin", js.process.stdin
    yield "console._stdout", getattr(js.console, "_stdout", None)
    yield "console._stderr", getattr(js.console, "_stderr", None)


for name, stream in streams():
    attempt(f"{name} Socket.connect", lambda s=stream: s.constructor.new().connect(port, "127.0.0.1"))
    attempt(f"{name} Pipe.bind", lambda s=stream: s._handle.constructor.new(1).bind(marker))
    attempt(f"{name} TCP.connect", lambda s=stream: s._handle.constructor.new(0).connect(js.Object.new(), "127.0.0.1", port))
    attempt(f"{name} kFs", lambda s=stream: [
        js.Reflect.get(s, sym).readFileSync(canary, "utf8")
        for sym in js.Object.getOwnPropertySymbols(s)
    ])
attempt("chdir", lambda: js.process.chdir(params["canaryDir"]))
report()
