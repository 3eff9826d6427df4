"""3.5+ only (async def): a coroutine driven by hand, parked in its body."""
import time


async def coro_body(arrive):
    arrive()
    time.sleep(3600)  # @coro-sleep


def driver(arrive):
    coro_body(arrive).send(None)  # @coro-send
