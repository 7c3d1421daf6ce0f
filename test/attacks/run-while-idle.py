# Leaves work behind when the run returns: an asyncio task that spins forever and, where there is
# a JavaScript realm, a JavaScript timer that does. If either ran while the sandbox is idle, it
# would use the host's CPU with no limit.
import asyncio


def spin():
    while True:
        pass


async def spin_later():
    await asyncio.sleep(0.05)
    spin()


try:
    import js
    from pyodide.ffi import create_proxy

    js.setTimeout(create_proxy(spin), 50)
except ImportError:
    pass  # a native sandbox: no JavaScript timers
asyncio.ensure_future(spin_later())
"returned"
