"""The records that flow through the pipeline: documents, provisions, chunks, hits, citations, answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Intent(StrEnum):
    """What kind of fact a question asks for."""

    WHO = "who"
    WHEN = "when"
    NUMBER = "number"
    WHAT = "what"


@dataclass(frozen=True)
class Document:
    """One logical document: metadata plus its cleaned display text."""

    doc_id: str
    source_file: str
    title: str
    issuer: str
    number: str  # 文号, "" when the document has none
    dates: tuple[tuple[str, str], ...]  # (kind, ISO date) with kind in 成文/印发/发布
    region: str
    year: int | None
    display_text: str
    kind: str = ""  # 条例 / 办法 / 意见 / 通知 …, from the title
    repeals: tuple[str, ...] = ()  # titles the document says it repeals
    status: str = "current"  # current / earlier (a newer version has the same title) / repealed
    version: str = ""  # the ISO date that tells versions of one title apart ("" when it has no other version)
    source_format: str = ""  # what its text was read from: txt / md / html / docx / pdf / png / jpg
    ocr_pages: int = 0  # pages of its file whose text came from OCR (a scan); 0 when none
    original_name: str = ""  # the name the original file was added under ("" when the stored file is the original)

    @property
    def ocr_note(self) -> str:
        """"扫描件（OCR 识别…）" when the text came from text recognition of a scan, else ""."""
        if not self.ocr_pages:
            return ""
        pages = "" if self.ocr_pages == 1 else f"{self.ocr_pages} 页"
        return f"扫描件（{pages}经 OCR 识别，可能有错字）"

    def date(self, kind: str) -> str:
        """The ISO date of the given kind, or ""."""
        return next((value for k, value in self.dates if k == kind), "")

    def version_date(self) -> str:
        """The date of this text: its latest revision, amendment, adoption or issue date."""
        # The date its file is named by counts too: the text keeps it only when it is later than those it states.
        dated = [value for k, value in self.dates
                 if k in ("修订", "修正", "通过", "公布", "批准", "印发", "成文", "发布", "文件")]
        # Without those, the date it takes effect.
        dated = dated or [value for k, value in self.dates if k == "施行"]
        return max(dated) if dated else ""

    @property
    def label(self) -> str:
        """《title》, with the version date when other versions of the title exist."""
        if not self.version:
            return f"《{self.title}》"
        status = "已被废止" if self.status == "repealed" else ("旧版" if self.status == "earlier" else "现行")
        if self.version.startswith("0000"):
            return f"《{self.title}》（{status}，未注明日期）"
        year, month, day = (int(x) for x in self.version.split("-"))
        return f"《{self.title}》（{year}年{month}月{day}日版，{status}）"


@dataclass(frozen=True)
class Provision:
    """A numbered provision: its heading path and its span in the display text."""

    path: tuple[str, ...]
    start: int
    end: int
    responsible: str = ""  # 责任单位 / 牵头负责 units, "" when not stated


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: a provision (or part of one) with its place in the display text."""

    chunk_id: str
    doc_id: str
    section: tuple[str, ...]
    text: str
    start: int
    end: int
    tokens: int
    responsible: str = ""

    @property
    def section_label(self) -> str:
        """The heading path as shown to people."""
        return " › ".join(self.section)


@dataclass(frozen=True)
class Filters:
    """Restrictions on which chunks may answer."""

    years: tuple[int, ...] = ()
    regions: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.years or self.regions or self.doc_ids)


@dataclass(frozen=True)
class Citation:
    """A quoted passage that an answer relies on."""

    n: int
    doc_id: str
    title: str
    number: str
    section: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class RetrievedPassage:
    """A passage as returned by retrieval, for display and evaluation."""

    chunk_id: str
    doc_id: str
    title: str
    section: str
    text: str
    score: float
    start: int = 0  # offsets in the document's display text
    end: int = 0


@dataclass(frozen=True)
class Answer:
    """What `Assistant.ask` returns."""

    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...]
    retrieved: tuple[RetrievedPassage, ...]
    timings: dict[str, float] = field(default_factory=dict)
    rewritten_question: str = ""
    notices: tuple[str, ...] = ()

    def to_result(self, question_id: str = "") -> dict:
        """The results-file fields (see the eval format)."""
        result = {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [
                {"n": c.n, "doc_id": c.doc_id, "title": c.title, "section": c.section, "text": c.text,
                 "start": c.start, "end": c.end} for c in self.citations],
            "retrieved": [
                {"chunk_id": r.chunk_id, "doc_id": r.doc_id, "text": r.text, "score": round(r.score, 6)}
                for r in self.retrieved],
            "latency_ms": round(self.timings.get("total_ms", 0.0), 3),
        }
        if question_id:
            result = {"id": question_id, **result}
        return result
