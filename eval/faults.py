"""Faults: kill -9 a library build and an upload at random moments, then check what is left.

Each trial works on one library (a data directory seeded with the bundled documents). A writer process
(`python -m eval.faults --child build|upload DATA_DIR [FILE]`) opens the library as the server does and
either indexes files dropped into documents/ (a build) or adds one file as the upload form does; it is
killed with SIGKILL at a random moment of that work. Then, for every trial:

- the web UI (`python -m ui`) is started on the library and timed until it listens, and until `/ask`
  answers a known question with the same answer as before the fault (the previous library answers);
- the server is stopped and the next build runs: quarantined files are retried, the index brought up to date;
- nothing is lost: every file given to the library is indexed after that build, the feedback rows are all
  there, no build leftovers remain."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.metrics import percentile

QUESTION = "2020年消费扶贫专柜目标是多少"
REGIONS = ["测试甲市", "测试乙县", "测试丙区", "测试丁镇", "测试戊州", "测试己旗"]
TOPICS = ["高标准农田", "农村公路", "饮水安全", "垃圾分类", "养老服务", "职业培训", "数字乡村", "冷链物流"]


def invented_document(seed: int, articles: int = 40) -> str:
    """A made-up local regulation with `articles` articles (title, 文号, chapters, figures), for the trials."""
    rng = random.Random(seed)
    region = rng.choice(REGIONS)
    topic = rng.choice(TOPICS)
    lines = [f"{region}{topic}管理办法（第{seed}号）", f"测试府发〔{2020 + seed % 5}〕{seed}号"]
    for n in range(1, articles + 1):
        if n % 10 == 1:
            lines.append(f"第{'一二三四五六七八九十'[(n // 10) % 10]}章 {topic}第{n // 10 + 1}部分")
        figure = rng.randint(2, 900)
        lines.append(f"第{n}条 {region}在{2020 + n % 6}年完成{topic}项目{figure}个，"
                     f"由{region}{rng.choice(['农业农村局', '交通运输局', '民政局', '人社局'])}负责，"
                     f"每个项目补助{rng.randint(1, 50)}万元，于{rng.randint(1, 12)}月底前报送进展。")
    return "\n".join(lines) + "\n"


def _child(mode: str, data_dir: str, file: str | None) -> int:
    """The writer: open the library as the server does, say so, then build or add."""
    from assistant import Library, default_corpus_dir

    library = Library(data_dir, seed=default_corpus_dir())
    if not library.open_existing():
        library.ensure_index()
    print("START", flush=True)
    if mode == "build":
        library.ensure_index()
    else:
        assert file is not None
        library.add(Path(file).name, Path(file).read_bytes())
    print("DONE", flush=True)
    return 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ask(port: int, question: str, timeout: float = 30.0) -> dict:
    body = json.dumps({"data": [question, "[]"]}).encode("utf-8")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/gradio_api/call/ask", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        event_id = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/gradio_api/call/ask/{event_id}", timeout=timeout) as response:
        text = response.read().decode("utf-8")
    for line in text.splitlines():
        if line.startswith("data:"):
            data = json.loads(line[5:])
            if isinstance(data, list) and data and isinstance(data[0], dict):
                return data[0]
    raise RuntimeError(f"no answer in {text[:200]!r}")


def _start_server(data_dir: Path, limit: float = 60.0,
                  log_file: Path | None = None) -> tuple[subprocess.Popen, int, float, float, str]:
    """Start the web UI; returns it, its port, seconds until it listened and until /ask answered, and the last
    error of /ask before it answered."""
    port = _free_port()
    started = time.perf_counter()
    output = log_file.open("ab") if log_file else subprocess.DEVNULL
    server = subprocess.Popen([sys.executable, "-m", "ui", "--data-dir", str(data_dir), "--port", str(port)],
                              stdout=output, stderr=output)
    listened = answered = -1.0
    last_error = ""
    while time.perf_counter() - started < limit and server.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                listened = time.perf_counter() - started
                break
        except OSError:
            time.sleep(0.05)
    if listened >= 0:
        while time.perf_counter() - started < limit:
            try:
                _ask(port, QUESTION)
                answered = time.perf_counter() - started
                break
            except Exception as exc:
                last_error = f"{type(exc).__name__}: {exc}"[:300]
                time.sleep(0.2)
    return server, port, listened, answered, last_error


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _writer(mode: str, data_dir: Path, file: Path | None) -> subprocess.Popen:
    command = [sys.executable, "-m", "eval.faults", "--child", mode, str(data_dir)] + ([str(file)] if file else [])
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def _wait_for(process: subprocess.Popen, word: str) -> float:
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() == word:
            return time.perf_counter()
    raise RuntimeError(f"the writer ended before {word} (status {process.wait()})")


def run_faults(trials: int = 5, *, seed: int = 0, work: Path | None = None,
               log: Callable[[str], None] = lambda m: None) -> dict:
    """`trials` kills during a build and as many during an upload; the figures and every trial's checks."""
    from assistant import FeedbackStore, Library, default_corpus_dir

    rng = random.Random(seed)
    root = Path(work) if work else Path(tempfile.mkdtemp(prefix="policy-qa-faults-"))
    data_dir = root / "library"
    library = Library(data_dir, seed=default_corpus_dir())
    library.ensure_index()
    expected = library.assistant.ask(QUESTION).text
    feedback = FeedbackStore(data_dir / "feedback.db")
    for i in range(20):
        feedback.record(question=f"问题{i}", history=[], answer="回答", citations=[], rating=1)
    given: set[str] = {p.name for p in library.documents_dir.iterdir() if p.is_file() and not p.name.startswith(".")}
    counter = 0

    def new_file(folder: Path) -> Path:
        nonlocal counter
        counter += 1
        path = folder / f"invented_{counter:03d}.txt"
        path.write_text(invented_document(seed * 1000 + counter), encoding="utf-8")
        return path

    # How long the work takes unkilled, so the kill moments fall inside it.
    durations = {}
    for mode in ("build", "upload"):
        uploads = root / "uploads"
        uploads.mkdir(parents=True, exist_ok=True)
        file = None
        if mode == "build":
            for _ in range(3):
                given.add(new_file(data_dir / "documents").name)
        else:
            file = new_file(uploads)
        writer = _writer(mode, data_dir, file)
        begin = _wait_for(writer, "START")
        end = _wait_for(writer, "DONE")
        writer.wait()
        durations[mode] = end - begin
        log(f"{mode} unkilled: {durations[mode]:.1f}s")
    given = {p.name for p in (data_dir / "documents").iterdir() if p.is_file() and not p.name.startswith(".")}

    results: list[dict[str, Any]] = []
    for mode in ("build", "upload"):
        for t in range(trials):
            file = None
            if mode == "build":
                for _ in range(3):
                    new_file(data_dir / "documents")
            else:
                file = new_file(root / "uploads")
            delay = rng.uniform(0.0, durations[mode])
            writer = _writer(mode, data_dir, file)
            _wait_for(writer, "START")
            time.sleep(delay)
            finished = writer.poll() is not None
            writer.kill()
            writer.wait()
            server, port, listened, answered, ask_error = _start_server(data_dir, log_file=root / "server.log")
            try:
                same_answer = answered >= 0 and _ask(port, QUESTION).get("answer") == expected
            except Exception:
                same_answer = False
            _stop(server)
            # The next build: what the interrupted one was adding is retried, then everything is brought up to date.
            library = Library(data_dir, seed=default_corpus_dir())
            library.open_existing()
            shown = sorted(q.name for q in library.quarantined())  # set aside by the server's start
            for item in library.quarantined():
                library.retry_quarantined(item.name)
            build_ok = True
            try:
                library.ensure_index()
            except Exception as exc:
                build_ok = False
                log(f"next build failed: {type(exc).__name__}: {exc}")
            # The folder's own records (.sources.json: where uploaded texts came from) are not documents.
            stored = {p.name for p in (data_dir / "documents").iterdir() if p.is_file() and not p.name.startswith(".")}
            indexed = {d.source_file for d in library.documents()}
            lost = sorted(given - indexed)  # files the library held before this trial
            given |= stored
            if mode == "upload":
                expected_name = file.name if file else ""
                uploaded = any(n.startswith(Path(expected_name).stem) for n in indexed)
            else:
                uploaded = True
            leftovers = [p.name for p in data_dir.iterdir() if ".build-" in p.name or ".old-" in p.name]
            row: dict[str, Any] = {"mode": mode, "trial": t, "kill_after_s": round(delay, 2), "writer_had_finished": finished,
                   "quarantined": shown,
                   "listen_s": round(listened, 2), "first_answer_s": round(answered, 2),
                   "load_average_1min": round(os.getloadavg()[0], 1),
                   **({"ask_error": ask_error} if answered < 0 else {}),
                   "previous_library_answered": same_answer, "next_build_ok": build_ok,
                   "all_files_indexed": stored <= indexed and uploaded and not library.quarantined(),
                   "lost": lost,
                   "feedback_rows": len(FeedbackStore(data_dir / "feedback.db").items()),
                   "leftovers": leftovers, "journal_left": (data_dir / "indexing.json").exists()}
            results.append(row)
            log(json.dumps(row, ensure_ascii=False))
    listens = [r["listen_s"] for r in results if r["listen_s"] >= 0]
    answers = [r["first_answer_s"] for r in results if r["first_answer_s"] >= 0]
    summary = {
        "trials": len(results), "load_average_1min_at_end": round(os.getloadavg()[0], 1),
        "unkilled_seconds": {k: round(v, 1) for k, v in durations.items()},
        "previous_library_answered": sum(r["previous_library_answered"] for r in results),
        "listened_within_10s": sum(0 <= r["listen_s"] <= 10 for r in results),
        "listen_s_max": max(listens, default=None), "listen_s_p50": percentile(listens, 50, 2),
        "first_answer_s_max": max(answers, default=None),
        "next_build_ok": sum(r["next_build_ok"] for r in results),
        "nothing_lost": sum(r["all_files_indexed"] and not r["lost"] and r["feedback_rows"] == 20 and not r["leftovers"]
                            and not r["journal_left"] for r in results),
        "interrupted_files_quarantined": sum(len(r["quarantined"]) for r in results),
        "results": results}
    if work is None:
        shutil.rmtree(root, ignore_errors=True)
    return summary


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"] and len(argv) in (3, 4):
        return _child(argv[1], argv[2], argv[3] if len(argv) == 4 else None)
    print("usage: python -m eval faults", file=sys.stderr)
    return 2


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    raise SystemExit(main())
