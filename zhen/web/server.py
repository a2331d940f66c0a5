"""Running the app under waitress for ``zhen serve``.

Waitress serves with threads in one process; a search is CPU work under
the interpreter lock, so ``zhen serve`` forks one worker process per core
(each with its threads) on one listening socket, and the kernel hands each
connection to one of them. The socket is bound before anything is printed,
so a busy port is reported as such (with the option that picks another)
instead of "Serving…" followed by a traceback. Waitress logs "Task queue
depth is N" for every request that waits for a thread; under load that is
one line per request, so it is let through at most once a minute, with the
count of those held back.
"""

import contextlib
import errno
import logging
import os
import signal
import socket
import time

QUEUE_LOGGER = "waitress.queue"


def default_workers():
    """Worker processes: one per core (at most 8). A search is CPU work
    under Python's interpreter lock, so one process uses one core however
    many threads it has; more processes use the others."""
    return max(1, min(8, os.cpu_count() or 1)) if hasattr(os, "fork") else 1


def default_threads():
    """Threads per worker process: waitress's 4, so requests that wait on
    disk or a slow client do not hold up the others."""
    return 4


class ServeError(Exception):
    """The server cannot start; the message says why and what to do."""


class OncePerInterval(logging.Filter):
    """Pass one record per ``seconds``; say how many were held back."""

    def __init__(self, seconds=60.0, clock=time.monotonic):
        super().__init__()
        self.seconds, self.clock = seconds, clock
        self.last, self.held = None, 0

    def filter(self, record):
        now = self.clock()
        if self.last is not None and now - self.last < self.seconds:
            self.held += 1
            return False
        if self.held:
            record.msg = (
                f"{record.getMessage()} ({self.held} similar messages "
                f"in the last {self.seconds:.0f} s not shown)"
            )
            record.args = ()
        self.last, self.held = now, 0
        return True


def quiet_queue_warnings(seconds=60.0):
    """Install the rate limit on waitress's queue-depth logger (once)."""
    logger = logging.getLogger(QUEUE_LOGGER)
    if not any(isinstance(f, OncePerInterval) for f in logger.filters):
        logger.addFilter(OncePerInterval(seconds))


def bind(host, port):
    """A socket listening on host:port; raises :class:`ServeError` when the
    address cannot be used. Bound first, so nothing is printed or indexed
    for a port that is taken."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as error:
        raise ServeError(_bind_message(error, host, port)) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(1024)
    except OSError as error:
        sock.close()
        raise ServeError(_bind_message(error, host, port)) from None
    return sock


def run(app, sock, threads, workers=1):
    """Serve ``app`` on ``sock`` with ``workers`` processes of ``threads``
    threads each (forked after the socket and the app exist, before any
    thread or index is opened); returns when they stop."""
    quiet_queue_warnings()
    if workers <= 1:
        _serve(app, sock, threads)
        return
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # the worker: serve until stopped, never return here
            code = 0
            try:
                _serve(app, sock, threads)
            except BaseException:  # noqa: BLE001 - report and leave the parent's code
                logging.getLogger("zhen").exception("worker failed")
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    _supervise(children)


def _serve(app, sock, threads):
    from waitress import create_server

    create_server(app, sockets=[sock], threads=threads).run()


def _supervise(children):
    """Wait for the workers; SIGTERM or Ctrl-C stops them all."""

    def stop(*_):
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
        for pid in children:
            os.waitpid(pid, 0)
    except KeyboardInterrupt:
        stop()
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _bind_message(error, host, port):
    if error.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use (another zhen serve, or "
            f"another program).\nHint: pick another port, e.g. zhen serve "
            f"--port {port + 1}, or stop the program using it"
        )
    if error.errno == errno.EACCES:
        return (
            f"not allowed to listen on port {port} (ports below 1024 need "
            f"privileges).\nHint: use a port above 1024, e.g. --port 8000"
        )
    return (
        f"cannot listen on {host}:{port}: {error.strerror or error}.\n"
        f"Hint: check --host (e.g. 127.0.0.1) and --port"
    )
