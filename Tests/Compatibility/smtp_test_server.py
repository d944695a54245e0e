"""A loopback SMTP server for the mail tests (aiosmtpd).

Usage: smtp_test_server.py PORT_FILE MAIL_DIR [--user NAME --password SECRET] [--tls CERT KEY]
                           [--refuse-first N]

Listens on 127.0.0.1 on a free port, writes the port to PORT_FILE once it accepts connections,
and stores every accepted message as MAIL_DIR/<n>.json: {"mail_from", "rcpt_tos", "data",
"authenticated_as", "tls"}. With --user, AUTH is required; with --tls, STARTTLS is offered and
required before AUTH and MAIL. --refuse-first N answers the first N messages with a temporary
failure (451), so the sender's retries can be seen. Stops when its parent process ends.
"""

import argparse
import warnings
import asyncio
import json
import os
import socket
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Store:
    def __init__(self, folder, refuse_first):
        self.folder = folder
        self.refuse_left = refuse_first
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse_left > 0:
                self.refuse_left -= 1
                return "451 4.3.0 try again later"
            self.count += 1
            number = self.count
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
            "authenticated_as": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            "tls": session.ssl is not None,
        }
        path = os.path.join(self.folder, f"{number}.json")
        with open(path + ".part", "w") as out:
            json.dump(record, out)
        os.rename(path + ".part", path)
        return "250 2.0.0 stored"


def main():
    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("port_file")
    parser.add_argument("mail_dir")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--refuse-first", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.mail_dir, exist_ok=True)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user \
            and auth_data.password.decode() == args.password
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    options = {}
    if args.user:
        options.update(authenticator=authenticate, auth_required=True, auth_require_tls=bool(args.tls))
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls[0], args.tls[1])
        options.update(tls_context=context, require_starttls=True)
    port = free_port()
    controller = Controller(Store(args.mail_dir, args.refuse_first), hostname="127.0.0.1", port=port, **options)
    controller.start()
    with open(args.port_file + ".part", "w") as out:
        out.write(str(port))
    os.rename(args.port_file + ".part", args.port_file)
    parent = os.getppid()
    try:
        while os.getppid() == parent:
            time.sleep(0.5)
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
