# Native CPython under the same confinement as a sandbox, with no WebAssembly in between: what the
# OS layers alone refuse to a program that can make any system call. Prints one JSON object.
# The host judges by its listener and its marker.
import ctypes
import json
import os
import platform
import socket
import sys

params = json.loads(sys.argv[1])
outcomes = {}

# Raw system call numbers, per architecture.
SYSCALLS = {
    "x86_64": {"unshare": 272, "ptrace": 101, "perf_event_open": 298, "io_uring_setup": 425,
               "keyctl": 250, "mount": 165, "bpf": 321, "userfaultfd": 323, "init_module": 175,
               "setns": 308, "clone": 56, "getpid": 39},
    "aarch64": {"unshare": 97, "ptrace": 117, "perf_event_open": 241, "io_uring_setup": 425,
                "keyctl": 219, "mount": 40, "bpf": 280, "userfaultfd": 282, "init_module": 105,
                "setns": 268, "clone": 220, "getpid": 172},
}[platform.machine()]
CLONE_NEWUSER = 0x10000000
CLONE_NEWNS = 0x00020000
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def attempt(name, action):
    try:
        outcomes[name] = {"returned": repr(action())[:500]}
    except BaseException as error:  # noqa: BLE001 - every failure is an outcome here
        outcomes[name] = {"raised": f"{type(error).__name__}: {error}"[:500]}


def syscall(name, *args):
    """The raw call; raises OSError with its errno when it fails, as Python's own calls do."""
    result = libc.syscall(SYSCALLS[name], *[ctypes.c_long(arg) for arg in args])
    if result == -1:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    return result


def buffer(size, fields=()):
    """Zeroed memory with (offset, ctype, value) fields; returned with its address."""
    memory = ctypes.create_string_buffer(size)
    for offset, ctype, value in fields:
        ctype.from_buffer(memory, offset).value = value
    return memory, ctypes.addressof(memory)


def string(text):
    memory = ctypes.create_string_buffer(text.encode())
    return memory, ctypes.addressof(memory)


# Valid arguments for each call, so that only a refusal (EPERM, the filter's answer) makes it fail.
perf_attr = buffer(128, [(0, ctypes.c_uint32, 1), (4, ctypes.c_uint32, 128)])  # software clock
uring_params = buffer(120)
bpf_attr = buffer(72, [(0, ctypes.c_uint32, 2), (4, ctypes.c_uint32, 4), (8, ctypes.c_uint32, 4),
                       (12, ctypes.c_uint32, 1)])  # a one-entry array map
none, tmp, tmpfs, empty = string("none"), string("/tmp"), string("tmpfs"), string("")
SIGCHLD = 17


def tcp_connect():
    with socket.create_connection(("127.0.0.1", params["port"]), timeout=2) as client:
        return client.send(b"escaped")


def forked():
    pid = os.fork()
    if pid == 0:
        open(params["markerPath"], "w").close()
        os._exit(0)
    return pid


attempt("socket AF_INET connect", tcp_connect)
attempt("socket AF_INET6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM))
attempt("socket AF_NETLINK", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))
attempt("socket AF_PACKET", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0))
attempt("socket AF_UNIX abstract", lambda: socket.socket(socket.AF_UNIX).connect(params["abstractPath"]))
attempt("os.fork", forked)
attempt("os.system", lambda: os.system(f"touch {params['markerPath']}"))
attempt("write marker", lambda: open(params["markerPath"], "w").close())
attempt("read canary", lambda: open(params["canaryPath"]).read())
attempt("control: syscall getpid", lambda: syscall("getpid"))
attempt("syscall unshare CLONE_NEWUSER", lambda: syscall("unshare", CLONE_NEWUSER))
attempt("syscall unshare CLONE_NEWNS", lambda: syscall("unshare", CLONE_NEWNS))
attempt("syscall clone CLONE_NEWUSER", lambda: syscall("clone", CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0))
attempt("syscall clone (fork)", lambda: syscall("clone", SIGCHLD, 0, 0, 0, 0))
attempt("syscall setns", lambda: syscall("setns", 0, 0))
attempt("syscall ptrace PTRACE_TRACEME", lambda: syscall("ptrace", 0, 0, 0, 0))
attempt("syscall perf_event_open", lambda: syscall("perf_event_open", perf_attr[1], 0, -1, -1, 0))
attempt("syscall io_uring_setup", lambda: syscall("io_uring_setup", 8, uring_params[1]))
attempt("syscall keyctl", lambda: syscall("keyctl", 0, -3, 0))
attempt("syscall mount tmpfs", lambda: syscall("mount", none[1], tmp[1], tmpfs[1], 0, 0))
attempt("syscall bpf", lambda: syscall("bpf", 0, bpf_attr[1], 72))
attempt("syscall userfaultfd", lambda: syscall("userfaultfd", 0))
attempt("syscall init_module", lambda: syscall("init_module", empty[1], 0, empty[1]))
print(json.dumps(outcomes))
