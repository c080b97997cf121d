"""ASGI middleware for the page itself: Gradio's own texts in Chinese, and a Chinese size check on uploads.

Gradio chooses the language of its built-in texts (the upload area's "Drop File Here / Click to Upload",
"Loading…") from `navigator.language` as it starts, before any `head` or `js` of the app runs. So the page
HTML is given, first thing in <head>, a script that reports Chinese as the browser's language.

Gradio's own checks of size and type show English errors ("File(s) exceed the maximum allowed size",
"Invalid file type"), so the same script checks the size and type of a file chosen or dropped on the upload
control (#upload) first, before anything is sent, and says why in Chinese beside the control; the server
checks again."""

from __future__ import annotations

import json

FORCE_CHINESE = (b"<script>(()=>{try{"
                 b"Object.defineProperty(window.navigator,'language',{get:()=>'zh-CN',configurable:true});"
                 b"Object.defineProperty(window.navigator,'languages',{get:()=>['zh-CN','zh'],configurable:true});"
                 b"}catch(e){}})();</script>")


SIZE_CHECK = """<script>(() => {
  const LIMIT = %(limit)d;
  const TYPES = %(types)s;
  const say = (text) => {
    let box = document.getElementById('upload-error');
    const anchor = document.getElementById('upload');
    if (!box && anchor) {
      box = document.createElement('div');
      box.id = 'upload-error';
      box.style.cssText = 'color:#b42318;margin-top:6px';
      anchor.insertAdjacentElement('afterend', box);
    }
    if (box) { box.textContent = text; }
  };
  const check = (event, files) => {
    const chosen = Array.from(files || []);
    if (!chosen.length) { return; }  // the input just cleared below fires again, empty
    const suffix = (f) => (f.name.lastIndexOf('.') > 0 ? f.name.slice(f.name.lastIndexOf('.')).toLowerCase() : '');
    const odd = chosen.find((f) => TYPES.length && !TYPES.includes(suffix(f)));
    const big = chosen.find((f) => f.size > LIMIT);
    if (!odd && !big) { say(''); return; }
    event.stopImmediatePropagation();
    event.preventDefault();
    if (event.target instanceof HTMLInputElement) { event.target.value = ''; }
    if (odd) {
      say('❌ 未能添加“' + odd.name + '”：不支持的文件类型“' + (suffix(odd) || '无扩展名') + '”：请上传 '
          + TYPES.join('、') + ' 文件');
    } else {
      say('❌ 未能添加“' + big.name + '”：文件过大：' + (big.size / 1048576).toFixed(1) + ' MB，上限 '
          + %(limit_mb)s + ' MB');
    }
  };
  for (const type of ['change', 'input']) {
    document.addEventListener(type, (e) => {
      const t = e.target;
      if (t instanceof HTMLInputElement && t.type === 'file' && t.closest('#upload')) { check(e, t.files); }
    }, true);
  }
  document.addEventListener('drop', (e) => {
    if (e.target instanceof Element && e.target.closest('#upload')) { check(e, e.dataTransfer && e.dataTransfer.files); }
  }, true);
})();</script>"""


class ChineseLocaleMiddleware:
    """Insert `FORCE_CHINESE` (and, given a limit, the upload size check) at the start of <head> in every HTML
    page the app serves."""

    def __init__(self, app, max_upload_bytes: int | None = None, upload_types: tuple[str, ...] = ()) -> None:
        self.app = app
        self.script = FORCE_CHINESE
        if max_upload_bytes:
            self.script += (SIZE_CHECK % {"limit": max_upload_bytes, "types": json.dumps(list(upload_types)),
                                          "limit_mb": json.dumps(f"{max_upload_bytes / 1048576:.0f}")}).encode()

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
                    body = body.replace(b"<head>", b"<head>" + self.script, 1)
                kept = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                kept.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": kept})
                await send({"type": "http.response.body", "body": body})
            else:
                await send(message)

        await self.app(scope, receive, wrapped)
