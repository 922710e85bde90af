"""A real SMTP server for the mail tests: aiosmtpd on 127.0.0.1:PORT, writing each
message it accepts to FOLDER as one .eml file. Prints "ready" once it accepts
connections, then runs until killed.

Usage: /usr/bin/python3 smtp_sink.py PORT FOLDER
"""
import os
import sys
import threading
import time
import uuid

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}-{uuid.uuid4().hex}.eml"
        partial = os.path.join(self.folder, name + ".part")
        with open(partial, "wb") as out:
            out.write(envelope.original_content or envelope.content)
        # Renamed once complete, so a reader never sees half a message.
        os.rename(partial, os.path.join(self.folder, name))
        return "250 Message accepted for delivery"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
