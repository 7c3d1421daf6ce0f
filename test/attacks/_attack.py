# Shared by the attack scripts: their parameters, and a way to try things and say what happened.
# (Loaded with exec() by each attack so that every attack stays a single readable file.)
import json

params = json.load(open("/sandbox/params.json"))
outcomes = {}


def attempt(name, action):
    """Runs one attempt; records its result or its exception. Judged by the host, not by this."""
    try:
        outcomes[name] = ("returned", repr(action())[:500])
    except BaseException as error:  # noqa: BLE001 - every failure is an outcome here
        outcomes[name] = ("raised", f"{type(error).__name__}: {error}"[:500])


async def attempt_async(name, action):
    """The same for an attempt that must be awaited."""
    try:
        outcomes[name] = ("returned", repr(await action())[:500])
    except BaseException as error:  # noqa: BLE001 - every failure is an outcome here
        outcomes[name] = ("raised", f"{type(error).__name__}: {error}"[:500])


def report():
    for name, (how, what) in outcomes.items():
        print(f"{name}: {how}: {what}")
