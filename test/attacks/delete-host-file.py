# Tries to delete or change a file of a read-only mount, and the runtime's own files: the native
# interpreter's standard library, executable and pyward's guest files (bound read-only), and
# Pyodide's files through the JavaScript realm.
exec(open("/sandbox/_attack.py").read())
import os
import shutil
import sys

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

# The interpreter's own files. (In Pyodide these live in its in-memory file system: changing them
# changes nothing of the host's.)
runtime_files = [os.__file__, shutil.__file__, sys.executable]
runtime_files += [f"/opt/pyward/{name}" for name in ("driver.py", "native_main.py")]
for path in runtime_files:
    attempt(f"append to {path}", lambda path=path: open(path, "a").write("# changed\n"))
    attempt(f"utime {path}", lambda path=path: os.utime(path, (0, 0)))
    attempt(f"chmod {path}", lambda path=path: os.chmod(path, 0o777))


def mount_the_runtime():
    fs = pyodide_js.FS
    runtime = pyodide_js._api.config.indexURL.rstrip("/")
    fs.mkdirTree("/rt")
    fs.mount(fs.filesystems.NODEFS, js.Object.fromEntries([["root", runtime]]), "/rt")


attempt("mount the runtime", mount_the_runtime)
attempt("unlink a runtime file", lambda: os.unlink("/rt/package.json"))
report()
