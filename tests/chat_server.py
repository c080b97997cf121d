"""A real HTTP server on localhost that speaks the chat-completions protocol with scripted replies."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def passage_number(prompt: str, needle: str) -> int:
    """The number of the passage block that contains `needle` (0 when none does)."""
    for match in re.finditer(r"<段落 (\d+)>\n(.*?)\n</段落>", prompt, re.S):
        if needle in match.group(2):
            return int(match.group(1))
    return 0


class ChatServer:
    """`script(request_json) -> (kind, payload)`; kinds: reply, stream, status, raw, sleep."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script = lambda request: ("reply", "文档中没有找到相关规定。")
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"body": body, "auth": self.headers.get("Authorization")})
                kind, payload = server.script(body)
                if kind == "sleep":
                    time.sleep(payload)
                    kind, payload = "reply", "太慢了[1]。"
                if kind == "status":
                    self.send_response(payload)
                    self.end_headers()
                    self.wfile.write(b'{"error": "scripted"}')
                    return
                if kind == "raw":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(payload.encode())
                    return
                if body.get("stream"):
                    pieces, delay = (payload if kind == "stream" else ([payload], 0.0))
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for piece in pieces:
                        chunk = {"choices": [{"delta": {"content": piece}}]}
                        self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                        self.wfile.flush()
                        time.sleep(delay)
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                text = "".join(payload[0]) if kind == "stream" else payload
                data = {"choices": [{"message": {"role": "assistant", "content": text}}]}
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(data, ensure_ascii=False).encode())

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        # A short poll: close() waits for the serving loop to notice, and the default half second per test adds up.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
