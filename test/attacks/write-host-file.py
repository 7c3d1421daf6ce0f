# Tries to create a file on the host (the marker), by every route known to us.
exec(open("/sandbox/_attack.py").read())
import os

import js
import pyodide_js

marker, folder = params["markerPath"], params["markerDir"]
FS = pyodide_js.FS


def write_through_nodefs(root, at, name):
    FS.mkdirTree(at)
    FS.mount(FS.filesystems.NODEFS, js.Object.fromEntries([["root", root]]), at)
    with open(f"{at}/{name}", "w") as f:
        f.write("escaped")


attempt("open", lambda: open(marker, "w").write("escaped"))
attempt("NODEFS mount of the marker dir", lambda: write_through_nodefs(folder, "/w1", "escaped"))
attempt("NODEFS mount of /", lambda: write_through_nodefs("/", "/w2", marker.lstrip("/")))
attempt("report to file", lambda: js.process.report.writeReport(marker))
attempt("process.binding fs", lambda: js.process.binding("fs"))
attempt("unlink the canary", lambda: os.unlink(params["canaryPath"]))
report()
