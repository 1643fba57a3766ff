"""deploy/nginx.conf, as an operator installs it, passes `nginx -t` on this Debian's nginx:
with its proxy snippet, a certificate in place of certbot's, and the logs in a folder of
the test's. Under CI nginx is installed by .ci/run; elsewhere, without it, the test skips."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_the_example_nginx_configuration_is_valid(tmp_path):
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        if IN_CI:
            pytest.fail("nginx not installed (apt-get install nginx-light)", pytrace=False)
        pytest.skip("nginx not installed (apt-get install nginx-light)")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=coop.example.org", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx.conf").read_text()
    for real, ours in [
        ("/etc/letsencrypt/live/coop.example.org/fullchain.pem", tmp_path / "cert.pem"),
        ("/etc/letsencrypt/live/coop.example.org/privkey.pem", tmp_path / "key.pem"),
        ("/etc/nginx/coop-proxy.conf", DEPLOY / "nginx-proxy.conf"),
        ("/var/log/nginx/", f"{tmp_path}/"),
    ]:
        assert real in site, real  # the paths the guide tells the operator to use
        site = site.replace(real, str(ours))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; include {tmp_path}/site.conf; }}\n"
    )
    checked = subprocess.run(
        [nginx, "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
