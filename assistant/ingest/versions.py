"""Versions and validity: documents with one title form a group whose newest member is current."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from assistant.records import Document
from assistant.text.normalize import normalize


def assign_versions(documents: Sequence[Document]) -> list[Document]:
    """The documents with `status` and `version` set: in a group of one title the newest text is current and
    the others earlier versions; a document repealed by a newer one (…《X》同时废止) is marked repealed."""
    keys = [normalize(document.title) for document in documents]  # once each: normalizing is not cheap
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    out = list(documents)
    for members in groups.values():
        if len(members) < 2:
            continue
        newest = max(members, key=lambda i: (documents[i].version_date(), i))
        for i in members:
            out[i] = dataclasses.replace(out[i], version=documents[i].version_date() or "0000-01-01",
                                         status="current" if i == newest else "earlier")
    # A document that says it repeals a title (…《X》同时废止) ends every older text of that title.
    for repealer in documents:
        for title in repealer.repeals:
            for i in groups.get(normalize(title), ()):
                document = out[i]
                if documents[i] is not repealer and document.version_date() <= (repealer.version_date() or "9999"):
                    out[i] = dataclasses.replace(document, status="repealed",
                                                 version=document.version or document.version_date())
    return out
