#!/usr/bin/env python3
"""A recording SMTP server for the mail tests (python3 standard library only).

usage: smtp_server.py ADDR PORT LOG [--mode ok|silent|slow] [--delay SECS]

Modes:
  ok      answers 220 banner, 250 to HELO/EHLO/MAIL/RCPT/RSET/NOOP, 354 to
          DATA, 250 after the message, 221 to QUIT (then closes).
  silent  accepts connections and reads, but never writes a byte.
  slow    as ok, but every reply (the banner too) comes after --delay s.

Every event is one line in LOG, tab-separated, written as it happens:
  TIME SID PEER EVENT VALUE
TIME is the wall clock (seconds since the epoch, to the microsecond) when
the event happened: for "accepted", just after the 250 for the message was
sent. SID numbers the sessions from 1. EVENTs: connect, helo, mail_from,
rcpt, data (the DATA command), subject, from, to (the message headers),
accepted, quit, closed. Tabs and line ends in values become spaces.
"""
import argparse
import socket
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("addr")
ap.add_argument("port", type=int)
ap.add_argument("log")
ap.add_argument("--mode", choices=["ok", "silent", "slow"], default="ok")
ap.add_argument("--delay", type=float, default=10.0)
args = ap.parse_args()

lock = threading.Lock()
logf = open(args.log, "a", buffering=1)
count = [0]


def record(sid, peer, event, value=""):
    value = value.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    with lock:
        logf.write("%.6f\t%d\t%s\t%s\t%s\n" % (time.time(), sid, peer, event, value))


def send(conn, text):
    if args.mode == "slow":
        time.sleep(args.delay)
    conn.sendall(text.encode())


def strip_angle(s):
    s = s.strip()
    if s.startswith("<") and s.endswith(">"):
        s = s[1:-1]
    return s


def headers(sid, peer, message):
    """Records the Subject, From and To headers of a message (bytes)."""
    head = message.split(b"\r\n\r\n", 1)[0].decode("latin1")
    for line in head.split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() in ("subject", "from", "to"):
            record(sid, peer, name.lower(), value.strip())


def command(conn, sid, peer, line):
    """Handles one command line; returns False when the session ends."""
    verb = line.split(" ", 1)[0].split(":", 1)[0].upper()
    if verb in ("HELO", "EHLO"):
        record(sid, peer, "helo", line)
        send(conn, "250 test\r\n")
    elif verb == "MAIL":
        record(sid, peer, "mail_from", strip_angle(line.split(":", 1)[-1]))
        send(conn, "250 ok\r\n")
    elif verb == "RCPT":
        record(sid, peer, "rcpt", strip_angle(line.split(":", 1)[-1]))
        send(conn, "250 ok\r\n")
    elif verb == "DATA":
        record(sid, peer, "data")
        send(conn, "354 go on\r\n")
    elif verb == "QUIT":
        record(sid, peer, "quit")
        send(conn, "221 bye\r\n")
        return False
    else:
        send(conn, "250 ok\r\n")
    return True


def session(conn, sid, peer):
    buf = b""
    in_data = False
    try:
        if args.mode == "silent":
            while conn.recv(4096):
                pass
            return
        send(conn, "220 test ESMTP\r\n")
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                return
            buf += chunk
            while True:
                if in_data:
                    # The end marker may follow DATA's line directly (empty body).
                    end = (b"\r\n" + buf).find(b"\r\n.\r\n")
                    if end < 0:
                        break
                    headers(sid, peer, buf[:end])
                    buf = buf[end + 3:]
                    in_data = False
                    send(conn, "250 accepted\r\n")
                    record(sid, peer, "accepted")
                    continue
                if b"\r\n" not in buf:
                    break
                line, buf = buf.split(b"\r\n", 1)
                line = line.decode("latin1")
                if not command(conn, sid, peer, line):
                    return
                in_data = line.upper() == "DATA"
    except OSError as e:
        record(sid, peer, "error", str(e))
    finally:
        conn.close()
        record(sid, peer, "closed")


def main():
    family = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.addr, args.port))
    srv.listen(16)
    record(0, "-", "listening", "%s %d %s" % (args.addr, args.port, args.mode))
    while True:
        conn, peer = srv.accept()
        with lock:
            count[0] += 1
            sid = count[0]
        record(sid, peer[0], "connect")
        threading.Thread(target=session, args=(conn, sid, peer[0]), daemon=True).start()


main()
