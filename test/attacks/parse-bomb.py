# Sends the host one protocol message made of millions of tiny objects, on fd 3: JSON.parse of
# 40 MiB of `{},` would freeze the host's event loop for seconds and take a gigabyte of its heap.
# The host must refuse it by its shape (and, where it expects only a small reply, by its size)
# and kill the sandbox; judged by how much the host's heap grew and by the result.
exec(open("/sandbox/_attack.py").read())
import struct

write = fd_writer(3)
payload = b'{"type":"hello","x":[' + b"{}," * (13 * 1024 * 1024) + b"{}]}"
write(struct.pack(">IB", len(payload) + 1, 1) + payload)
while True:
    pass
