# Classic CPython crashers (Lib/test/crashers and the bug tracker's favourites): parser and
# compiler nesting bombs, a C-level recursion with no Python frame to count, a code object with
# bogus bytecode, and faulthandler's deliberate segfault. Judged on the host: the run ends as
# crashed or error and the host stays alive (in Pyodide and in a native interpreter).
exec(open("/sandbox/_attack.py").read())
import ast
import dis
import faulthandler


def bogus_code():
    def victim():
        return 0

    # LOAD_FAST of a slot far past the frame, then RETURN_VALUE: reads outside the frame.
    code = bytes([dis.opmap["LOAD_FAST"], 250, dis.opmap["RETURN_VALUE"], 0])
    victim.__code__ = victim.__code__.replace(co_code=code)
    return victim()


attempt("eval of 200000 open parentheses", lambda: eval("(" * 200000))
attempt("ast of 10**6 unary minuses", lambda: ast.parse("-" * 10**6 + "1"))
attempt("compile of a 10**5-deep list", lambda: compile("[" * 10**5 + "]" * 10**5, "x", "eval"))
report()
# In a native interpreter bogus bytecode reads whatever lies past the frame (and may crash it):
# it is named before it runs.
print("bogus bytecode: ...", flush=True)
attempt("bogus bytecode", bogus_code)
print(f"bogus bytecode: {outcomes['bogus bytecode'][0]}", flush=True)
nested = []
for _ in range(10**6):
    nested = [nested]
print("repr of a 10**6-deep list")
repr(nested)
print("faulthandler._sigsegv")
faulthandler._sigsegv()
