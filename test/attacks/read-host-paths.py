# Reads host paths outside every mount: system files, other processes' environments, the host's
# working directory, and the canary by absolute path, by `..` chains out of a mount and through
# symlinks the host put inside a mount (absolute, relative, to the canary's directory). Through
# Python's open/os and through the JavaScript realm (where the runtime has one). Judged on the host: the canary's secret,
# the host's environment secret and /etc/passwd's content appear nowhere in the result.
exec(open("/sandbox/_attack.py").read())
import os

canary, folder = params["canaryPath"], params["canaryDir"]
mount, links = params["mountSandboxPath"], params["linksSandboxPath"]
cwd = params["hostCwd"]
SYSTEM_PATHS = [
    "/etc/passwd",
    "/etc/shadow",
    "/proc/1/environ",
    "/proc/1/cmdline",
    "/proc/self/environ",
    "/proc/self/mountinfo",
    f"/proc/{params['hostPid']}/environ",
]
dotdots = "/.." * 12

for path in SYSTEM_PATHS:
    attempt(f"open {path}", lambda path=path: open(path, "rb").read())
attempt("listdir host cwd", lambda: os.listdir(cwd))
attempt("open host cwd package.json", lambda: open(f"{cwd}/package.json").read())
attempt("open canary", lambda: open(canary).read())
attempt("os.open canary", lambda: os.read(os.open(canary, os.O_RDONLY), 4096))
attempt("listdir canary dir", lambda: os.listdir(folder))
attempt("dotdot out of the mount", lambda: open(f"{mount}{dotdots}{canary}").read())
attempt("dotdot out of the links mount", lambda: open(f"{links}{dotdots}{canary}").read())
attempt("dotdot listdir out of the mount", lambda: os.listdir(f"{mount}{dotdots}{folder}"))
attempt("links listing", lambda: os.listdir(links))
for link in ("absolute", "relative", "dir"):
    attempt(f"readlink {link}", lambda link=link: os.readlink(f"{links}/{link}"))
attempt("open absolute link", lambda: open(f"{links}/absolute").read())
attempt("open relative link", lambda: open(f"{links}/relative").read())
attempt("open through dir link", lambda: open(f"{links}/dir/canary.txt").read())
attempt("listdir dir link", lambda: os.listdir(f"{links}/dir"))
attempt("realpath absolute link", lambda: os.path.realpath(f"{links}/absolute"))
attempt("symlink in /tmp to the canary", lambda: (os.symlink(canary, "/tmp/l"), open("/tmp/l").read()))


# The JavaScript realm: Emscripten's FS (which mounts hold the real host paths) and Node itself.
def to_js(value):
    return ffi.to_js(value)


def nodefs_read(root, path):
    FS = pyodide_js.FS
    at = "/nodefs" + str(len(os.listdir("/")))
    FS.mkdirTree(at)
    FS.mount(FS.filesystems.NODEFS, js.Object.fromEntries(to_js([["root", root]])), at)
    return open(at + path).read()


def mount_node(path):
    node = pyodide_js.FS.lookupPath(path).node
    return str(node.mount.opts.root)


attempt("FS.readFile canary", lambda: pyodide_js.FS.readFile(canary, to_js({"encoding": "utf8"})))
attempt("FS.readFile /etc/passwd", lambda: pyodide_js.FS.readFile("/etc/passwd", to_js({"encoding": "utf8"})))
attempt("host root of the mount", lambda: mount_node(mount))
attempt("host root of the links mount", lambda: mount_node(links))
attempt("NODEFS mount of /", lambda: nodefs_read("/", canary))
attempt("NODEFS mount of /etc", lambda: nodefs_read("/etc", "/passwd"))
attempt("NODEFS mount of /proc/1", lambda: nodefs_read("/proc/1", "/environ"))
attempt("NODEFS mount above the mount", lambda: nodefs_read(mount_node(mount) + "/..", "/"))
attempt("NODEFS mount of the links mount", lambda: nodefs_read(mount_node(links), "/absolute"))
attempt("getBuiltinModule fs", lambda: js.process.getBuiltinModule("fs").readFileSync(canary, "utf8"))
attempt("require fs", lambda: js.require("fs").readFileSync("/etc/passwd", "utf8"))
attempt("process.binding fs", lambda: js.process.binding("fs"))
attempt("constructor.constructor", lambda: to_js({}).constructor.constructor("return process")())
attempt("loadBinaryFile", lambda: bytes(pyodide_js._api.loadBinaryFile(canary).to_py()))
attempt("process.env", lambda: js.Object.entries(js.process.env).to_py())
report()
