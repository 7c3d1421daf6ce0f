# Floods the host with empty output frames (5 bytes each, counted against no cap) on fd 3. Each
# costs the host a decode.
exec(open("/sandbox/_attack.py").read())

write = fd_writer(3)
chunk = b"\x00\x00\x00\x01\x02" * (1 << 16)
while True:
    write(chunk)
