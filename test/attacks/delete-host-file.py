# Tries to delete or change a file of a read-only mount, and files next to the runtime's own.
exec(open("/sandbox/_attack.py").read())
import os
import shutil

import js
import pyodide_js

mounted = params["mountSandboxPath"]
victim = f"{mounted}/victim.txt"

attempt("unlink", lambda: os.unlink(victim))
attempt("rename", lambda: os.rename(victim, f"{mounted}/moved.txt"))
attempt("truncate", lambda: os.truncate(victim, 0))
attempt("chmod", lambda: os.chmod(victim, 0o777))
attempt("overwrite", lambda: open(victim, "w").write("changed"))
attempt("rmtree", lambda: shutil.rmtree(mounted))
attempt("utime", lambda: os.utime(victim, (0, 0)))
attempt("symlink over", lambda: os.symlink("/etc/passwd", f"{mounted}/link"))
runtime = pyodide_js._api.config.indexURL.rstrip("/")
FS = pyodide_js.FS
FS.mkdirTree("/rt")
attempt("mount the runtime", lambda: FS.mount(FS.filesystems.NODEFS, js.Object.fromEntries([["root", runtime]]), "/rt"))
attempt("unlink a runtime file", lambda: os.unlink("/rt/package.json"))
report()
