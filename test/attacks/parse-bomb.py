# Sends the host one protocol message made of millions of tiny objects, on fd 3 (reached as in
# forge-reply.py): JSON.parse of 40 MiB of `{},` would freeze the host's event loop for seconds
# and take a gigabyte of its heap. The host must refuse it by its shape (and, where it expects
# only a small reply, by its size) and kill the sandbox; judged by how long the host's event loop
# stalled and by the result.
import os
import struct

import js
import pyodide_js
from pyodide.ffi import jsnull, to_js

FS = pyodide_js.FS
FS.mkdirTree("/h")
FS.mount(FS.filesystems.NODEFS, js.Object.fromEntries([["root", pyodide_js._api.config.indexURL.rstrip("/")]]), "/h")
stream = FS.getStream(os.open("/h/package.json", os.O_RDONLY))
stream.nfd = 3
payload = b'{"type":"hello","x":[' + b"{}," * (13 * 1024 * 1024) + b"{}]}"
frame = to_js(struct.pack(">IB", len(payload) + 1, 1) + payload)
FS.filesystems.NODEFS.stream_ops.write(stream, frame, 0, frame.length, jsnull)
while True:
    pass
