"""Serving the app with uvicorn on a socket bound first, so that port 0 works and the
URL printed is the one that answers."""

from __future__ import annotations

import socket

import uvicorn

from frontend.support_desk.app import create_app
from frontend.support_desk.logs import configure_logging
from frontend.support_desk.settings import DeskSettings


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio turns Nagle off (TCP_NODELAY) only on accepted
    # sockets whose protocol says TCP, and with Nagle on, a response written in two parts
    # waits for the client's delayed ACK (~40 ms a request).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{shown}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server, printing a line once the app has started (lifespan done)."""

    def __init__(self, config: uvicorn.Config, ready_line: str | None) -> None:
        super().__init__(config)
        self.ready_line = ready_line

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self.ready_line:
            print(self.ready_line, flush=True)


def make_server(
    settings: DeskSettings, sock: socket.socket, ready_line: str | None = None
) -> uvicorn.Server:
    if settings.public_url is None:
        settings = settings.model_copy(update={"public_url": url(sock, settings.host)})
    config = uvicorn.Config(
        create_app(settings),
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
    return _Server(config, ready_line)


def serve(settings: DeskSettings, announce: bool = True) -> int:
    """Serve until SIGINT or SIGTERM (uvicorn's handlers), then drain and exit 0."""
    configure_logging(settings.log_level)
    sock = bind(settings.host, settings.port)
    line = f"support desk: {url(sock, settings.host)}" if announce else None
    server = make_server(settings, sock, line)
    server.run(sockets=[sock])
    return 0
