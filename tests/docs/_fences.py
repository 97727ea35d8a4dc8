"""The fenced blocks of README.md and docs/*.md, read once for every docs test."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)


class Fence(NamedTuple):
    """One fenced block: its file, the line of its opening fence, its info string and its body."""

    doc: Path
    line: int
    info: str
    body: str
    output: str | None  # the body of a ```text output block right after it, if any

    @property
    def path(self) -> str:
        """The file, relative to the repository (how test ids name it)."""
        return str(self.doc.relative_to(ROOT))

    @property
    def language(self) -> str:
        return self.info.split(" ", 1)[0]

    @property
    def tags(self) -> list[str]:
        return self.info.split()[1:]


def _read() -> list[Fence]:
    found: list[Fence] = []
    for doc in DOCS:
        text = doc.read_text()
        matches = list(_FENCE.finditer(text))
        for index, match in enumerate(matches):
            after = matches[index + 1] if index + 1 < len(matches) else None
            output = None
            shown = after is not None and after.group(1) == "text output"
            if shown and after is not None and not text[match.end() : after.start()].strip():
                output = after.group(2)
            line = text.count("\n", 0, match.start()) + 1
            found.append(Fence(doc, line, match.group(1).strip(), match.group(2), output))
    return found


FENCES = _read()


def fences(*languages: str) -> list[Fence]:
    """The blocks whose info string starts with one of ``languages`` (``python``, ``console``...)."""
    return [fence for fence in FENCES if fence.language in languages]
