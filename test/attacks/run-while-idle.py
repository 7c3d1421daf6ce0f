# Leaves work behind when the run returns: a JavaScript timer and an asyncio task that spin
# forever. If either ran while the sandbox is idle, it would use the host's CPU with no limit.
import asyncio

import js
from pyodide.ffi import create_proxy


def spin():
    while True:
        pass


async def spin_later():
    await asyncio.sleep(0.05)
    spin()


js.setTimeout(create_proxy(spin), 50)
asyncio.ensure_future(spin_later())
"returned"
