"""A local SMTP sink for keyway's tests, started by `cargo xtask services`.

It accepts every message and writes it, unchanged but for a few `X-Sink-*`
headers in front, as one `.eml` file in the mail directory, where tests read
it. Three listeners on 127.0.0.1:

  --port (2525)        plain SMTP (no STARTTLS), AUTH optional
  --starttls-port      STARTTLS required, then AUTH required
  --tls-port           implicit TLS (SMTPS), AUTH required

The TLS listeners use a certificate for localhost/127.0.0.1 signed by a test
CA created on first start (openssl) in the state directory; tests trust
`<state>/ca.pem`. The only accepted login is keyway / keyway-test-password.

Usage: sink.py --state DIR [--port N] [--starttls-port N] [--tls-port N]
"""

import argparse
import itertools
import os
import ssl
import subprocess
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = b"keyway"
PASSWORD = b"keyway-test-password"
HOST = "127.0.0.1"


def make_certificates(state):
    """A test CA and a server certificate for localhost, made once."""
    ca_key, ca_pem = os.path.join(state, "ca.key"), os.path.join(state, "ca.pem")
    key, pem = os.path.join(state, "server.key"), os.path.join(state, "server.pem")
    if all(os.path.exists(p) for p in (ca_pem, key, pem)):
        return pem, key
    csr, ext = os.path.join(state, "server.csr"), os.path.join(state, "server.ext")

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", ca_key, "-out", ca_pem,
            "-days", "3650", "-subj", "/CN=keyway test SMTP CA")
    openssl("req", "-new", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key,
            "-CAcreateserial", "-out", pem, "-days", "3650", "-extfile", ext)
    return pem, key


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and \
        auth_data.login == USER and auth_data.password == PASSWORD
    # handled=False: aiosmtpd then answers 535 itself on a refusal.
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class Sink:
    """Writes each message atomically as <mail>/<nanoseconds>-<n>.eml."""

    counter = itertools.count()
    lock = threading.Lock()

    def __init__(self, mail, listener):
        self.mail = mail
        self.listener = listener

    async def handle_DATA(self, server, session, envelope):
        login = ""
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode("utf-8", "replace")
        head = (
            f"X-Sink-Listener: {self.listener}\r\n"
            f"X-Sink-Mail-From: {envelope.mail_from}\r\n"
            f"X-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n"
            f"X-Sink-TLS: {'yes' if encrypted else 'no'}\r\n"
            f"X-Sink-Auth: {login}\r\n"
        ).encode()
        with self.lock:
            n = next(self.counter)
        name = f"{time.time_ns()}-{n:06d}.eml"
        tmp = os.path.join(self.mail, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(head + envelope.original_content)
        os.replace(tmp, os.path.join(self.mail, name))
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", required=True)
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--starttls-port", type=int, default=2587)
    parser.add_argument("--tls-port", type=int, default=2465)
    args = parser.parse_args()

    mail = os.path.join(args.state, "mail")
    os.makedirs(mail, exist_ok=True)
    # Mail of an earlier run is of no use to anyone: start empty.
    for name in os.listdir(mail):
        os.remove(os.path.join(mail, name))
    pem, key = make_certificates(args.state)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(pem, key)

    common = dict(hostname=HOST, authenticator=authenticate)
    controllers = [
        Controller(Sink(mail, "plain"), port=args.port, auth_require_tls=False,
                   **common),
        Controller(Sink(mail, "starttls"), port=args.starttls_port, tls_context=tls,
                   require_starttls=True, auth_required=True, **common),
        # Implicit TLS: aiosmtpd only counts STARTTLS as TLS for AUTH.
        Controller(Sink(mail, "tls"), port=args.tls_port, ssl_context=tls,
                   auth_required=True, auth_require_tls=False, **common),
    ]
    # The plain port is what `cargo xtask services` waits for: start it last,
    # so when it answers the others are up too.
    for c in reversed(controllers):
        c.start()
    print(f"smtp sink: mail in {mail}; ports {args.port} (plain), "
          f"{args.starttls_port} (starttls), {args.tls_port} (tls)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        for c in controllers:
            c.stop()
        return 0


if __name__ == "__main__":
    sys.exit(main())
