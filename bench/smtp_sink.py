"""An SMTP server that only counts what it receives, in a process of its own (so that it
shares no interpreter lock with the process measuring, nor with the workers).

It notes each digest's id from its Message-ID (`<digest-<id>@...>`), so the benchmark can
check that every sent digest arrived exactly once, and counts the digests carrying each
section, by the headings of their plain-text part.
"""

import multiprocessing
import re
import socket
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

DIGEST_ID = re.compile(rb"^Message-ID: <digest-(\d+)@", re.MULTILINE | re.IGNORECASE)
SECTIONS = {
    "open votes": b"\nOPEN FOR YOUR VOTE\n",
    "closing soon": b"\nCLOSING SOON: YOU HAVE NOT VOTED YET\n",
    "results": b"\nRESULTS\n",
    "replies to you": b"\nREPLIES TO YOU\n",
    "new ideas": b"\nNEW IDEAS\n",
    "updates": b"\nUPDATES FROM THE ORGANISERS\n",
}


@dataclass
class Received:
    digest_ids: list[int] = field(default_factory=list)
    others: int = 0  # messages that were not digests
    sizes: int = 0  # bytes
    sections: Counter = field(default_factory=Counter)
    sample: bytes = b""  # the first message, for a look at what was sent


class _Handler:
    def __init__(self) -> None:
        self.received = Received()

    async def handle_DATA(self, server, session, envelope) -> str:
        content: bytes = envelope.content
        received = self.received
        match = DIGEST_ID.search(content)
        if match:
            received.digest_ids.append(int(match[1]))
        else:
            received.others += 1
        received.sizes += len(content)
        for name, heading in SECTIONS.items():
            if heading in content:
                received.sections[name] += 1
        if not received.sample:
            received.sample = content
        return "250 OK"


def _serve(port: int, commands: Connection) -> None:
    from aiosmtpd.controller import Controller

    handler = _Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    commands.send("ready")
    while True:
        command = commands.recv()
        if command == "count":
            commands.send(len(handler.received.digest_ids) + handler.received.others)
        elif command == "stop":
            controller.stop()
            commands.send(handler.received)
            return


class SmtpSink:
    """`with SmtpSink() as sink:` serves on sink.port; sink.count() so far; sink.stop()
    returns everything received."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        context = multiprocessing.get_context("spawn")  # nothing inherited from this process
        self._commands, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(self.port, theirs), daemon=True)
        self.received: Received | None = None

    def __enter__(self) -> "SmtpSink":
        self.process.start()
        if not self._commands.poll(60) or self._commands.recv() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        return self

    def count(self) -> int:
        self._commands.send("count")
        return self._commands.recv()

    def stop(self) -> Received:
        if self.received is None and self.process.is_alive():
            self._commands.send("stop")
            self.received = self._commands.recv()
            self.process.join(10)
        return self.received

    def __exit__(self, *exc_info) -> None:
        self.stop()
        if self.process.is_alive():
            self.process.kill()
