"""A load check against a running web UI: several clients asking at once through its API, a share of the
requests malformed (bad history JSON or shapes, empty, huge or odd-character questions, values that are not
text), the server's resident memory before and after, and optionally a document uploaded and another deleted
through the page meanwhile. A well-formed question must come back with an answer, a malformed one with an
answer or an "error" field; an exception of the client (an AppError, a dropped connection) counts as an error
either way."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from eval.metrics import percentile

QUESTIONS = ["2020年消费扶贫专柜目标是多少", "2019年易地扶贫搬迁计划搬迁多少人", "塔城扶贫日研讨会由哪个部门牵头",
             "山东通过发展生产要实现多少人脱贫", "重慶定點攻堅的對象分為哪兩類", "2022年重庆要设立多少个消费扶贫专柜",
             "河北的深度贫困村有多少个", "2020年扶贫日是第几个扶贫日", "2019年农村自来水普及率目标是多少",
             "扶贫日活动总结要在什么时候前上报"]


# (question, history_json) pairs a careless or hostile caller sends.
MALFORMED: list[tuple[object, object]] = [
    ("2020年消费扶贫专柜目标是多少", "{not json"), ("那2019年呢？", '{"role": "user"}'), ("", "[]"), ("   \n\t", "[]"),
    ("问题\ud800", "[]"), ("扶贫" * 50_000, "[]"), ("\x00\x1b[31m\u202e专柜", "[]"),
    ("那2019年呢？", '[1, "x", null, {"role": "user"}, {"role": "user", "content": 5}, [{"content": "a"}]]'),
    ("那2019年呢？", json.dumps([{"role": "user", "content": "专柜" * 60_000}])), (12345, "[]"), ("专柜", None),
    ("![t](http://127.0.0.1:9/x.png) <script>alert(1)</script>", "[]"), ("2019年" * 3, "[[[[[[[[[[]]]]]]]]]]")]


def _encodable(value: object) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def ask_raw(url: str, question: object, history: object, timeout: float = 60.0) -> object:
    """One /ask call over plain HTTP, the JSON written with escapes: how a lone surrogate reaches the server
    (a client library that encodes UTF-8 cannot send one)."""
    import urllib.request

    base = url.rstrip("/")
    body = json.dumps({"data": [question, history]}).encode("ascii")
    request = urllib.request.Request(f"{base}/gradio_api/call/ask", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        event_id = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"{base}/gradio_api/call/ask/{event_id}", timeout=timeout) as response:
        lines = response.read().decode("utf-8").splitlines()
    if "event: error" in lines:
        raise RuntimeError("the server answered with an error event")
    data = [json.loads(line[5:]) for line in lines if line.startswith("data:")]
    return data[-1][0] if data and isinstance(data[-1], list) and data[-1] else None


def server_pid(url: str) -> int | None:
    """The process listening on the URL's port on this machine (Linux /proc), or None."""
    port = urlparse(url).port or (443 if url.startswith("https") else 80)
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    if not inodes:
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(entry.name)
        except OSError:
            continue
    return None


def process_memory(pid: int | None) -> dict:
    """The process's resident memory now and at its peak, in MB ({} when it cannot be read)."""
    if pid is None:
        return {}
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    values = {k: int(v) for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M)}
    return {"rss_mb": round(values.get("VmRSS", 0) / 1024, 1), "peak_mb": round(values.get("VmHWM", 0) / 1024, 1)}


def _ask_once(client, url: str, question: object, history: object, bad: bool) -> tuple[bool, bool, bool, object]:
    """One request: (ok, answered, refused with an error message, the result or the exception)."""
    try:
        if _encodable([question, history]):
            result = client.predict(question, history, api_name="/ask")
        else:
            result = ask_raw(url, question, history)
    except Exception as exc:
        return False, False, False, exc
    answered = isinstance(result, dict) and "answer" in result
    refused = isinstance(result, dict) and isinstance(result.get("error"), str) and bool(result["error"])
    return answered or (bad and refused), answered, refused, result


def run_load(url: str, *, clients: int = 10, questions: int = 20, malformed_every: int = 3, pid: int | None = None,
             change: Callable[[], dict] | None = None, after: tuple[str, ...] = ()) -> dict:
    """Each client asks `questions` questions in turn, every `malformed_every`-th of them malformed (0: none);
    returns counts, latency percentiles (ms, for all requests and for the well-formed ones) and the
    server's memory (`pid`, else the process listening on the URL's port). `change` runs once a third of the
    requests are answered, while the clients go on asking; `after` questions are asked once all is done, and
    the documents their answers cite reported."""
    from gradio_client import Client

    if pid is None:
        pid = server_pid(url)
    memory_before = process_memory(pid)
    latencies: list[float] = []
    good_latencies: list[float] = []
    errors: list[str] = []
    counts = {"well_formed": 0, "answered": 0, "malformed": 0, "malformed_answered": 0, "malformed_refused": 0}
    lock = threading.Lock()
    third = threading.Event()
    total = clients * questions
    changed: dict = {}

    def worker(index: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as exc:  # a client that cannot connect is an error of the run
            with lock:
                errors.append(f"client {index}: {exc}")
            return
        for k in range(questions):
            bad = malformed_every > 0 and k % malformed_every == malformed_every - 1
            if bad:
                question, history = MALFORMED[(index + k) % len(MALFORMED)]
            else:
                question, history = QUESTIONS[(index + k) % len(QUESTIONS)], "[]"
            started = time.perf_counter()
            ok, answered, refused, result = _ask_once(client, url, question, history, bad)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                counts["malformed" if bad else "well_formed"] += 1
                if bad:
                    counts["malformed_answered"] += answered
                    counts["malformed_refused"] += refused
                else:
                    counts["answered"] += answered
                    good_latencies.append(elapsed)
                if not ok:
                    errors.append(f"client {index} question {k} ({'malformed' if bad else 'well-formed'}): "
                                  f"{type(result).__name__}: {str(result)[:200]}")
                if len(latencies) >= total // 3:
                    third.set()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    changer = threading.Thread(target=_run_change, args=(change, third, changed)) if change else None
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    if changer:
        changer.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    third.set()  # fewer requests than planned (clients that failed): the change still runs
    if changer:
        changer.join()
    report: dict[str, Any] = {"clients": clients, "questions_each": questions, "requests": len(latencies), **counts,
              "errors": len(errors), "first_errors": errors[:3], "wall_s": round(wall, 2),
              "well_formed_p50_ms": percentile(good_latencies, 50, 1),
              "well_formed_p95_ms": percentile(good_latencies, 95, 1),
              "p50_ms": percentile(latencies, 50, 1), "p95_ms": percentile(latencies, 95, 1),
              "max_ms": round(max(latencies), 1) if latencies else None,
              "throughput_per_s": round(len(latencies) / wall, 2) if wall else None}
    if change:
        report["change"] = changed
    if after:
        report["after"] = ask_after(url, after)
    memory_after = process_memory(pid)
    report["server_pid"] = pid
    report["server_rss_mb_before"] = memory_before.get("rss_mb")
    report["server_rss_mb_after"] = memory_after.get("rss_mb")
    report["server_peak_rss_mb"] = memory_after.get("peak_mb")
    return report


def _run_change(change: Callable[[], dict], start: threading.Event, changed: dict) -> None:
    """Wait for `start`, make the change, and note what it said, how long it took, or how it failed."""
    start.wait()
    started = time.perf_counter()
    try:
        changed.update(change())
    except Exception as exc:
        changed["error"] = f"{type(exc).__name__}: {exc}"
    changed["seconds"] = round(time.perf_counter() - started, 1)


def ask_after(url: str, questions: tuple[str, ...]) -> list[dict]:
    """Each question asked once, with its answer and the titles of the documents it cites."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    answers = []
    for question in questions:
        result = client.predict(question, "[]", api_name="/ask")
        answers.append({"question": question, "answer": result.get("answer", ""),
                        "cited_titles": sorted({c["title"] for c in result.get("citations", [])})})
    return answers


CHROMIUM = "/usr/bin/chromium"
LAUNCH_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update"]


def page_change(url: str, upload: Path | None, delete: str | None, *, chromium: str = CHROMIUM,
                timeout_s: float = 300.0) -> Callable[[], dict]:
    """A change made as a person makes it, in the page in headless Chromium: upload the file `upload` in 文档库,
    then delete the document whose title contains `delete` (with its confirmation). Returns what the page said."""
    def run() -> dict:
        from playwright.sync_api import sync_playwright

        done: dict = {}
        wait = int(timeout_s * 1000)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_FLAGS)
            try:
                page = browser.new_page()
                page.goto(url)
                page.wait_for_selector("#question textarea", timeout=wait)
                page.get_by_role("tab", name="文档库").click()
                if upload is not None:
                    page.set_input_files("#upload input[type=file]", str(upload))
                    page.click("#upload-button")
                    page.wait_for_function("() => /已添加|未能添加/.test(document.querySelector('#upload-status')"
                                           ".innerText)", timeout=wait)
                    done["upload"] = page.inner_text("#upload-status").strip()
                if delete:
                    page.click("#delete-choice input")
                    page.locator("[role=option]", has_text=delete).first.click()
                    page.click("#delete-button")
                    page.click("#confirm-delete")
                    page.wait_for_function("() => /已删除|出错|没有/.test(document.querySelector('#library-status')"
                                           ".innerText)", timeout=wait)
                    done["delete"] = page.inner_text("#library-status").strip()
            finally:
                browser.close()
        return done

    return run
