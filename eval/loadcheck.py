"""A load check against a running web UI: several clients asking at once through its API, a share of the
requests malformed (bad history JSON or shapes, empty, huge or odd-character questions, values that are not
text). A well-formed question must come back with an answer, a malformed one with an answer or an "error"
field; an exception of the client (an AppError, a dropped connection) counts as an error either way."""

from __future__ import annotations

import json
import threading
import time

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


def run_load(url: str, *, clients: int = 10, questions: int = 20, malformed_every: int = 3) -> dict:
    """Each client asks `questions` questions in turn, every `malformed_every`-th of them malformed (0: none);
    returns counts and latency percentiles (ms), for all requests and for the well-formed ones."""
    from gradio_client import Client

    latencies: list[float] = []
    good_latencies: list[float] = []
    errors: list[str] = []
    counts = {"well_formed": 0, "answered": 0, "malformed": 0, "malformed_answered": 0, "malformed_refused": 0}
    lock = threading.Lock()

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
            try:
                if _encodable([question, history]):
                    result = client.predict(question, history, api_name="/ask")
                else:
                    result = ask_raw(url, question, history)
                answered = isinstance(result, dict) and "answer" in result
                refused = isinstance(result, dict) and isinstance(result.get("error"), str) and bool(result["error"])
                ok = answered or (bad and refused)
            except Exception as exc:
                ok, answered, refused, result = False, False, False, exc
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

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"clients": clients, "questions_each": questions, "requests": len(latencies), **counts,
            "errors": len(errors), "first_errors": errors[:3], "wall_s": round(wall, 2),
            "well_formed_p50_ms": percentile(good_latencies, 50, 1),
            "well_formed_p95_ms": percentile(good_latencies, 95, 1),
            "p50_ms": percentile(latencies, 50, 1), "p95_ms": percentile(latencies, 95, 1),
            "max_ms": round(max(latencies), 1) if latencies else None,
            "throughput_per_s": round(len(latencies) / wall, 2) if wall else None}
