# Starts processes through every Python API for it; each would create the marker on the host.
# Each must raise. Judged on the host: the marker never appears.
exec(open("/sandbox/_attack.py").read())
import os
import subprocess

marker = params["markerPath"]
touch = ["touch", marker]


def forked():
    if os.fork() == 0:
        os.execv("/usr/bin/touch", touch)
    return "forked"


def pty_spawn():
    import pty

    return pty.spawn(touch)


def multiprocessing_process():
    import multiprocessing

    process = multiprocessing.Process(target=open, args=(marker, "w"))
    process.start()
    return process.join()


def multiprocessing_pool():
    from multiprocessing import Pool

    with Pool(2) as pool:
        return pool.map(open, [marker])


attempt("os.system", lambda: os.system(f"touch {marker}"))
attempt("subprocess.run", lambda: subprocess.run(touch))
attempt("subprocess.Popen shell", lambda: subprocess.Popen(f"touch {marker}", shell=True))
attempt("os.popen", lambda: os.popen(f"touch {marker}").read())
attempt("os.fork", forked)
attempt("os.forkpty", lambda: os.forkpty())
attempt("os.posix_spawn", lambda: os.posix_spawn("/usr/bin/touch", touch, {}))
attempt("os.posix_spawnp", lambda: os.posix_spawnp("touch", touch, {}))
attempt("os.spawnv", lambda: os.spawnv(os.P_WAIT, "/usr/bin/touch", touch))
attempt("os.execv", lambda: os.execv("/usr/bin/touch", touch))
attempt("os.execvp", lambda: os.execvp("touch", touch))
attempt("pty.spawn", pty_spawn)
attempt("multiprocessing.Process", multiprocessing_process)
attempt("multiprocessing.Pool", multiprocessing_pool)
report()
