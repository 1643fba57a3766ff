"""A production deployment on this machine, as the README's "Production" section makes one:
the wheel built from this checkout, installed from the lockfile into a virtual environment
of its own, run from a folder that holds no checkout; and a browser that talks to its web
processes the way the TLS proxy in front of them would."""

import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
import venv
import zipfile
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from tests.support import CSRF_RE

ROOT = Path(__file__).resolve().parents[2]
HOST = "coop.test"  # the public name the proxy answers to (BASE_URL)


def build_wheel(into: Path) -> Path:
    """The wheel of the working tree as git sees it (tracked and new files, not ignored
    ones), built from a copy: setuptools' build/ folder never lingers in the checkout, and
    a file deleted here cannot survive in it."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")  # fmt: skip
    source = into / "source"
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    dist = into / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, source])
    [wheel] = dist.glob("coop-*.whl")
    return wheel


def left_out(wheel: Path) -> list[str]:
    """The files production needs (the package, configuration, Celery's entry point and the
    migrations, templates and static files included) that the wheel lacks."""
    source = wheel.parent.parent / "source"
    needed = [source / "config.py", source / "celery_worker.py"]
    for folder in ("coop", "migrations"):
        needed += [path for path in (source / folder).rglob("*") if path.is_file()]
    with zipfile.ZipFile(wheel) as archive:
        held = set(archive.namelist())
    return sorted(
        name
        for path in needed
        if (name := path.relative_to(source).as_posix()) not in held and "__pycache__" not in name
    )


def install(wheel: Path, into: Path) -> Path:
    """A virtual environment with exactly the locked versions, then the app without
    resolving anything, as an operator installs it; returns its bin/ folder."""
    venv.create(into, with_pip=True)
    python = into / "bin" / "python"
    pip = [python, "-m", "pip", "install", "--quiet"]
    run([*pip, "--require-hashes", "-r", ROOT / "requirements" / "app.txt"])
    run([*pip, "--no-deps", wheel])
    run([python, "-m", "pip", "check"])
    return into / "bin"


def run(command: list, **kwargs) -> str:
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=300, **kwargs
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def environment(**settings: str) -> dict:
    """The variables a service of the deployment runs with: nothing pointing at the
    checkout (no PYTHONPATH, no test settings)."""
    kept = {"PATH", "LANG", "LC_ALL", "HOME", "TMPDIR"}
    return {**{k: v for k, v in os.environ.items() if k in kept}, **settings}


@dataclass
class Service:
    """One long-running process of the deployment, its output in a log file."""

    name: str
    command: list
    cwd: Path
    env: dict
    log: Path = field(init=False)
    process: subprocess.Popen | None = None

    def __post_init__(self):
        self.log = self.cwd / f"{self.name}.log"

    def start(self) -> "Service":
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [str(part) for part in self.command],
                cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return self

    def stop(self, timeout: float = 30) -> None:
        """As systemd stops the units in deploy/ (KillMode=mixed): SIGTERM to the main
        process, so Celery finishes its running task (a warm shutdown) and gunicorn its
        requests; whatever is left is killed after the timeout."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_line(self, text: str, timeout: float = 60, after: int = 0) -> None:
        """Wait until the log holds `text` past its first `after` characters."""
        deadline = time.monotonic() + timeout
        while text not in self.output()[after:]:
            assert self.process.poll() is None, f"{self.name} ended:\n{self.output()[-3000:]}"
            assert time.monotonic() < deadline, f"{self.name}: {text!r}?\n{self.output()[-3000:]}"
            time.sleep(0.2)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str

    def csrf_token(self) -> str:
        match = CSRF_RE.search(self.text)
        assert match, f"no CSRF token in:\n{self.text[:2000]}"
        return match.group(1) or match.group(2)


class Browser:
    """One visitor's cookies, sent to whichever web process is named, with the headers the
    proxy adds: the client's address and HTTPS (the app's cookies are Secure, __Host-)."""

    def __init__(self, address: str):
        self.address = address
        self.cookies: dict[str, str] = {}

    def get(self, port: int, path: str) -> Response:
        return self.request(port, "GET", path)

    def post(self, port: int, path: str, form: dict) -> Response:
        return self.request(port, "POST", path, form)

    def submit(self, read_on: int, send_to: int, path: str, form: dict) -> Response:
        """Open a form on one process and send it, with its CSRF token, to the other."""
        token = self.get(read_on, path).csrf_token()
        return self.post(send_to, path, {"csrf_token": token, **form})

    def request(self, port: int, method: str, path: str, form: dict | None = None) -> Response:
        headers = {
            "Host": HOST,
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{HOST}{path}",  # Flask-WTF checks it on HTTPS
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            response = Response(answer.status, answer.headers, answer.read().decode())
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response


def wait_until_serving(port: int, service: Service, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if Browser("127.0.0.1").get(port, "/healthz").status == 200:
                return
        except OSError:
            pass
        assert service.process.poll() is None, f"{service.name} ended:\n{service.output()}"
        assert time.monotonic() < deadline, f"{service.name} not serving:\n{service.output()}"
        time.sleep(0.2)
