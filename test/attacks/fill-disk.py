# Fills the disk: writes 1 GiB in 1 MiB chunks to the scratch dir and to /tmp, through Python and
# through the JavaScript realm (where the runtime has one). Judged on the host: its free disk space
# does not drop and no file appears in its temporary directory.
exec(open("/sandbox/_attack.py").read())

chunk = b"x" * (1 << 20)


def fill(path):
    with open(path, "wb") as file:
        for _ in range(1024):
            file.write(chunk)
    return "wrote 1 GiB"


attempt("/sandbox/big", lambda: fill("/sandbox/big"))
attempt("/tmp/big", lambda: fill("/tmp/big"))
attempt("node fs /tmp/big", lambda: js.process.getBuiltinModule("fs").writeFileSync("/tmp/big", "x"))
report()
