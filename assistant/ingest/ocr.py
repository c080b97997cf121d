"""Reading scans: text recognition (OCR) of page images with RapidOCR, whose wheel carries the PP-OCR Chinese
detection and recognition models, run on onnxruntime. Optional: `pip install 'policy-qa[ocr]'`."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from assistant.errors import UploadError

if TYPE_CHECKING:
    from PIL import Image

INSTALL_HINT = "pip install 'policy-qa[ocr]'（rapidocr-onnxruntime）"
# An image larger than this many pixels is scaled down before recognition (an A4 page at 300 dpi has 8.7 M).
MAX_PIXELS = 12_000_000
# Recognised pieces scoring under this are dropped as noise (stamps, specks).
MIN_SCORE = 0.5

_lock = threading.Lock()
_engine: Any = None


def ocr_available() -> bool:
    """Whether the OCR engine is installed."""
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def missing_ocr(name: str, what: str) -> UploadError:
    """The message for a scan given while OCR is not installed."""
    return UploadError(f"“{name}”{what}，需要文字识别（OCR）才能读取，但本机没有安装 OCR 组件：请先运行 {INSTALL_HINT}，"
                       "再重新添加该文件")


def _shared_engine() -> Any:
    global _engine
    with _lock:
        if _engine is None:
            from rapidocr_onnxruntime import RapidOCR

            # Pages are scaled so their longer side is at most 2,000 pixels, never up: RapidOCR's default
            # scales the shorter side up to 736, which makes a small image several times slower to read.
            _engine = RapidOCR(det_limit_type="max", det_limit_side_len=2000)
        return _engine


def lines_from_boxes(results: list) -> list[str]:
    """RapidOCR's (box, text, score) pieces as lines of text, top to bottom and left to right: pieces whose
    vertical middles lie within half a line height of each other are one line."""
    pieces = []
    for box, text, score in results or ():
        if float(score) < MIN_SCORE or not str(text).strip():
            continue
        ys = [float(p[1]) for p in box]
        xs = [float(p[0]) for p in box]
        pieces.append(((min(ys) + max(ys)) / 2, max(ys) - min(ys), min(xs), str(text).strip()))
    pieces.sort()
    lines: list[list[tuple[float, float, float, str]]] = []
    for piece in pieces:
        if lines and abs(piece[0] - lines[-1][0][0]) <= max(lines[-1][0][1], piece[1]) / 2:
            lines[-1].append(piece)
        else:
            lines.append([piece])
    return [" ".join(p[3] for p in sorted(line, key=lambda p: p[2])) for line in lines]


def recognise(image: Image.Image) -> str:
    """The text of one page image, one recognised line per line."""
    import numpy as np

    image = image.convert("RGB")
    pixels = image.width * image.height
    if pixels > MAX_PIXELS:
        scale = (MAX_PIXELS / pixels) ** 0.5
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    results, _ = _shared_engine()(np.asarray(image)[:, :, ::-1])  # RapidOCR takes OpenCV's BGR order
    return "\n".join(lines_from_boxes(results or []))
