"""An SMTP server that only counts what it receives, in a process of its own (so that it
shares no interpreter lock with the process measuring, nor with the workers).

It notes each digest's id from its Message-ID (`<digest-<id>@...>`), so the benchmark can
check that every sent digest arrived exactly once, and counts the digests carrying each
section, by the headings of their plain-text part.

    python -m bench.smtp_sink PORT   # then "count" or "stop" on stdin, a JSON line back
"""

import base64
import json
import re
import socket
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path

DIGEST_ID = re.compile(rb"^Message-ID: <digest-(\d+)@", re.MULTILINE | re.IGNORECASE)
SAMPLE_EVERY = 50
SECTIONS = {
    "open votes": b"\nOPEN FOR YOUR VOTE\n",
    "closing soon": b"\nCLOSING SOON: YOU HAVE NOT VOTED YET\n",
    "results": b"\nRESULTS\n",
    "replies to you": b"\nREPLIES TO YOU\n",
    "new ideas": b"\nNEW IDEAS\n",
    "updates": b"\nUPDATES FROM THE ORGANISERS\n",
}
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Received:
    digest_ids: list[int] = field(default_factory=list)
    others: int = 0  # messages that were not digests
    sizes: int = 0  # bytes
    sections: Counter = field(default_factory=Counter)
    sampled: int = 0
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
        if len(received.digest_ids) % SAMPLE_EVERY == 1:  # parsing all would load the sink
            text = message_from_bytes(content).get_payload(0).get_payload(decode=True)
            received.sampled += 1
            for name, heading in SECTIONS.items():
                if heading in text:
                    received.sections[name] += 1
        if not received.sample:
            received.sample = content
        return "250 OK"


def serve(port: int) -> None:
    """Serve until "stop" on stdin; answer "count" with how many messages so far."""
    from aiosmtpd.controller import Controller

    handler = _Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    _answer("ready")
    for command in sys.stdin:
        received = handler.received
        if command.strip() == "count":
            _answer(len(received.digest_ids) + received.others)
        elif command.strip() == "stop":
            controller.stop()
            _answer(
                {
                    "digest_ids": received.digest_ids,
                    "others": received.others,
                    "sizes": received.sizes,
                    "sections": received.sections,
                    "sampled": received.sampled,
                    "sample": base64.b64encode(received.sample).decode(),
                }
            )
            return


def _answer(value) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


class SmtpSink:
    """`with SmtpSink() as sink:` serves on sink.port; sink.count() so far; sink.stop()
    returns everything received."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen | None = None
        self.received: Received | None = None

    def __enter__(self) -> "SmtpSink":
        self.process = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "bench.smtp_sink", str(self.port)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self._ask(None) != "ready":
            raise RuntimeError("the SMTP sink did not start")
        return self

    def _ask(self, command: str | None):
        if command:
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the SMTP sink stopped")
        return json.loads(line)

    def count(self) -> int:
        return self._ask("count")

    def stop(self) -> Received:
        if self.received is None:
            answer = self._ask("stop")
            self.process.wait(10)
            self.received = Received(
                digest_ids=answer["digest_ids"],
                others=answer["others"],
                sizes=answer["sizes"],
                sections=Counter(answer["sections"]),
                sampled=answer["sampled"],
                sample=base64.b64decode(answer["sample"]),
            )
        return self.received

    def __exit__(self, *exc_info) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
