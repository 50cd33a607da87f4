"""uvicorn's HTTP/1.1 protocol with a deadline for every request's head.

uvicorn bounds an idle keep-alive connection, and the kiosk bounds a body's upload
(:data:`render.serve.http.UPLOAD_SECONDS`), but nothing bounds the request line and headers: a
client that trickles them one byte every few seconds (or opens a connection and sends nothing)
holds one of the server's connections for ever, and 64 of them lock every visitor out. Here a
request's head must arrive whole within :data:`HEAD_SECONDS` of the connection (or of the previous
answer on it); past that the connection is closed.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["BoundedH11Protocol", "HEAD_SECONDS"]

#: Seconds a client has to send a request's line and headers.
HEAD_SECONDS = 10.0


class BoundedH11Protocol(H11Protocol):
    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not None and self.cycle is not before:  # a request's head arrived whole
            self._head_arrived()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_head()  # the next request on this connection: the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_arrived()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        self._head_arrived()
        self._head_deadline = self.loop.call_later(HEAD_SECONDS, self._head_late)

    def _head_arrived(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_late(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()
