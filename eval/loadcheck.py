"""A load check against a running web UI: several clients asking at once through its API."""

from __future__ import annotations

import threading
import time

from eval.metrics import percentile

QUESTIONS = ["2020年消费扶贫专柜目标是多少", "2019年易地扶贫搬迁计划搬迁多少人", "塔城扶贫日研讨会由哪个部门牵头",
             "山东通过发展生产要实现多少人脱贫", "重慶定點攻堅的對象分為哪兩類", "2022年重庆要设立多少个消费扶贫专柜",
             "河北的深度贫困村有多少个", "2020年扶贫日是第几个扶贫日", "2019年农村自来水普及率目标是多少",
             "扶贫日活动总结要在什么时候前上报"]


def run_load(url: str, *, clients: int = 10, questions: int = 20) -> dict:
    """Each client asks `questions` questions in turn; returns counts and latency percentiles (ms)."""
    from gradio_client import Client

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as exc:  # a client that cannot connect is an error of the run
            with lock:
                errors.append(f"client {index}: {exc}")
            return
        for k in range(questions):
            question = QUESTIONS[(index + k) % len(QUESTIONS)]
            started = time.perf_counter()
            try:
                result = client.predict(question, "[]", api_name="/ask")
                ok = isinstance(result, dict) and "answer" in result
            except Exception as exc:
                ok, result = False, exc
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append(f"client {index} question {k}: {result}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"clients": clients, "questions_each": questions, "requests": len(latencies), "errors": len(errors),
            "first_errors": errors[:3], "wall_s": round(wall, 2),
            "p50_ms": percentile(latencies, 50, 1), "p95_ms": percentile(latencies, 95, 1),
            "max_ms": round(max(latencies), 1) if latencies else None,
            "throughput_per_s": round(len(latencies) / wall, 2) if wall else None}
