"""An S3-compatible server on loopback for the storage tests: moto's server mode, S3 only.

Usage: s3_test_server.py PORT_FILE
Listens on 127.0.0.1 on a free port, writes that port to PORT_FILE once it accepts requests,
and stops by itself as soon as the process that started it is gone, so a test run that is
killed leaves no server behind.
"""
import os
import sys
import time

from moto.moto_server.threaded_moto_server import ThreadedMotoServer


def main() -> None:
    port_file = sys.argv[1]
    parent = os.getppid()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    with open(port_file + ".tmp", "w") as handle:
        handle.write(str(port))
    os.replace(port_file + ".tmp", port_file)
    while os.getppid() == parent:
        time.sleep(0.5)
    server.stop()


if __name__ == "__main__":
    main()
