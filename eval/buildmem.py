"""Peak resident memory of an index build, and a junk corpus to measure it on.

The build runs in a child process (`python -m eval.buildmem --child CORPUS INDEX`) so that its peak resident
set (VmHWM from /proc) is the build's alone; every log line of the build carries the resident set at that
moment, which shows the stage where the peak falls."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

JUNK_KINDS = ("binary", "empty", "markers", "huge_line", "zip_bomb")


def _status_kb(field: str) -> int:
    """A field of /proc/self/status in kB (VmRSS now, VmHWM the peak so far); 0 where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _docx(document_xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def make_junk(folder: Path, count: int = 2000, *, seed: int = 0) -> dict[str, int]:
    """Write `count` junk files, the five kinds in turn: random bytes, empty files, heading markers only
    (~135 KB, which cuts into tens of thousands of provisions), one huge line (over the per-file character
    budget) and .docx zip bombs (tiny archives unpacking past the reader's limit, or to millions of empty
    paragraphs). Returns how many of each kind were written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    markers = "".join(f"第{i}条\n（一）\n1.\n" for i in range(1, 8000)).encode("utf-8")[:135_000]
    huge_line = ("政策" * 1_600_000).encode("utf-8")  # 3.2 million characters on one line
    bombs: dict[int, bytes] = {}  # made when first needed: the archives take seconds to compress

    def bomb(variant: int) -> bytes:
        if variant not in bombs:
            bombs[variant] = _docx(b"<w:document>" + b" " * (210 * 1048576) + b"</w:document>") if variant else \
                _docx(b"<w:document><w:body>" + b"<w:p/>" * 3_000_000 + b"</w:body></w:document>")
        return bombs[variant]
    counts = dict.fromkeys(JUNK_KINDS, 0)
    for i in range(count):
        kind = JUNK_KINDS[i % len(JUNK_KINDS)]
        counts[kind] += 1
        if kind == "binary":
            (folder / f"junk{i:05d}_binary.txt").write_bytes(rng.randbytes(rng.randint(1, 64_000)))
        elif kind == "empty":
            (folder / f"junk{i:05d}_empty.txt").write_bytes(b"")
        elif kind == "markers":
            (folder / f"junk{i:05d}_markers.txt").write_bytes(markers + str(i).encode())
        elif kind == "huge_line":
            (folder / f"junk{i:05d}_line.txt").write_bytes(huge_line + str(i).encode())
        else:
            (folder / f"junk{i:05d}_bomb.docx").write_bytes(bomb(i % 2))
    return counts


def _child(corpus: str, index_dir: str) -> int:
    """Run one build here and print its figures as the last line, JSON."""
    from assistant import build_index

    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[rss {_status_kb('VmRSS') / 1024:.0f} MB] {message}", file=sys.stderr, flush=True)

    result: dict[str, object]
    try:
        report = build_index(Path(corpus), Path(index_dir), log=log)
        result = {"ok": True, "documents": report.documents, "chunks": report.chunks, "embedded": report.embedded,
                  "reused": report.reused, "skipped": len(report.skipped),
                  "encode_seconds": round(report.encode_seconds, 1),
                  "passages_per_s": round(report.embedded / report.encode_seconds, 1) if report.encode_seconds > 0 else None,
                  "passage_encoder": report.passage_encoder}
    except ValueError as exc:  # a corpus with nothing usable in it: the build refuses it, as it should
        result = {"ok": False, "error": str(exc)}
    result.update(peak_rss_mb=round(_status_kb("VmHWM") / 1024, 1), seconds=round(time.perf_counter() - started, 1))
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


def measure_build(corpus: Path, index_dir: Path, *, log: Callable[[str], None] = lambda m: None) -> dict:
    """Build `index_dir` from `corpus` in a child process; its figures with the peak resident set in MB."""
    process = subprocess.Popen([sys.executable, "-m", "eval.buildmem", "--child", str(corpus), str(index_dir)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None and process.stdout is not None
    for line in process.stderr:
        log(line.rstrip())
    out = process.stdout.read().strip().splitlines()
    if process.wait() != 0 or not out:
        raise RuntimeError(f"the build process ended with status {process.returncode}")
    return json.loads(out[-1])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"] and len(argv) == 3:
        return _child(argv[1], argv[2])
    print("usage: python -m eval build-memory (see python -m eval build-memory --help)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
