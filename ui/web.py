"""ASGI middleware for the page itself: Gradio's own texts in Chinese.

Gradio chooses the language of its built-in texts (the upload area's "Drop File Here / Click to Upload",
upload and size errors, "Loading…") from `navigator.language` as it starts, before any `head` or `js` of the
app runs. So the page HTML is given, first thing in <head>, a script that reports Chinese as the browser's
language."""

from __future__ import annotations

FORCE_CHINESE = (b"<script>(()=>{try{"
                 b"Object.defineProperty(window.navigator,'language',{get:()=>'zh-CN',configurable:true});"
                 b"Object.defineProperty(window.navigator,'languages',{get:()=>['zh-CN','zh'],configurable:true});"
                 b"}catch(e){}})();</script>")


class ChineseLocaleMiddleware:
    """Insert `FORCE_CHINESE` at the start of <head> in every HTML page the app serves."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        chunks: list[bytes] = []

        async def wrapped(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if headers.get(b"content-type", b"").startswith(b"text/html") and b"content-encoding" not in headers:
                    start = message
                    return
                await send(message)
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                if b"<head>" in body:
                    body = body.replace(b"<head>", b"<head>" + FORCE_CHINESE, 1)
                kept = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                kept.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": kept})
                await send({"type": "http.response.body", "body": body})
            else:
                await send(message)

        await self.app(scope, receive, wrapped)
