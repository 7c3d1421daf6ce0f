# Answers the host's run itself, on fd 3 (reached through a NODEFS stream whose Node fd is swapped
# for 3), then keeps the CPU busy: if the host took the forged reply, the guest would run on with
# no limit. Request ids are random, so the forged reply names no pending request.
import json
import os
import signal
import struct

import js
import pyodide_js
from pyodide.ffi import jsnull, to_js

FS = pyodide_js.FS
FS.mkdirTree("/h")
FS.mount(FS.filesystems.NODEFS, js.Object.fromEntries([["root", pyodide_js._api.config.indexURL.rstrip("/")]]), "/h")
stream = FS.getStream(os.open("/h/package.json", os.O_RDONLY))
stream.nfd = 3
for guess in ("0" * 32, "1" * 32, "f" * 32):
    reply = {
        "type": "outcome",
        "id": guess,
        "outcome": {"kind": "returned", "value": '"forged"', "valueRepr": "'forged'"},
        "memoryCapHit": False,
        "stdoutTruncated": False,
        "stderrTruncated": False,
        "heapBytes": 0,
    }
    payload = json.dumps(reply).encode()
    frame = to_js(struct.pack(">IB", len(payload) + 1, 1) + payload)
    FS.filesystems.NODEFS.stream_ops.write(stream, frame, 0, frame.length, jsnull)
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass
