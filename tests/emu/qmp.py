#!/usr/bin/env python3
"""Send QMP commands to a running QEMU while a scenario runs.

usage: qmp.py SOCKET LOG REGEX COUNT INTERVAL COMMAND [ARGUMENTS-JSON]

Waits (up to 60 s) until a line of the serial log LOG matches REGEX, then
sends COMMAND (e.g. inject-nmi) COUNT times, INTERVAL seconds apart, through
the QMP socket SOCKET (QEMU started with -qmp unix:SOCKET,server=on,
wait=off). Prints how many were accepted. A QEMU that has already exited
ends the loop quietly: the scenario's own expectations judge the run.
"""
import json
import re
import socket
import sys
import time


def wait_for_line(log, pattern, limit=60.0):
    rx = re.compile(pattern)
    end = time.time() + limit
    while time.time() < end:
        try:
            with open(log, errors="replace") as f:
                if any(rx.search(line) for line in f):
                    return True
        except FileNotFoundError:
            pass
        time.sleep(0.1)
    return False


def connect(path, limit=30.0):
    end = time.time() + limit
    while time.time() < end:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.1)
    return None


def reply(f):
    """The next QMP reply, skipping asynchronous events."""
    while True:
        line = f.readline()
        if not line:
            return None
        msg = json.loads(line)
        if "return" in msg or "error" in msg:
            return msg


def main():
    sock, log, pattern, count, interval, command = sys.argv[1:7]
    args = json.loads(sys.argv[7]) if len(sys.argv) > 7 else None
    if not wait_for_line(log, pattern):
        print("qmp: %r never appeared in %s" % (pattern, log))
        return 0
    s = connect(sock)
    if s is None:
        print("qmp: no QMP socket at %s" % sock)
        return 0
    f = s.makefile("rw")
    f.readline()  # the greeting
    f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n")
    f.flush()
    reply(f)
    sent = 0
    try:
        for _ in range(int(count)):
            cmd = {"execute": command}
            if args is not None:
                cmd["arguments"] = args
            f.write(json.dumps(cmd) + "\n")
            f.flush()
            r = reply(f)
            if r is None:
                break
            if "return" in r:
                sent += 1
            time.sleep(float(interval))
    except (OSError, ValueError):
        pass
    print("qmp: %s accepted %d of %s times" % (command, sent, count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
