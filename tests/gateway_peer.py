"""A real HTTP peer standing in for an SMS or WeChat gateway: it records what we POST (checking our
signature) and answers with its message id, or with the status a test sets."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from guestgraph.inbox import HEADER, sign


@dataclass
class GatewayPeer:
    secret: str
    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    signatures_ok: list[bool] = field(default_factory=list)
    status: int = 200


@contextmanager
def gateway_peer(secret: str) -> Iterator[GatewayPeer]:
    peer = GatewayPeer(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            peer.signatures_ok.append(self.headers.get(HEADER) == sign(peer.secret, body))
            peer.received.append(json.loads(body))
            answer = json.dumps({"id": f"gw-out-{len(peer.received)}"}).encode()
            self.send_response(peer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    peer.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()
