"""Every ``python`` code block of the docs is a test (the mechanism is in docs/CONTRIBUTING.md).

- ```` ```python ```` blocks run: a block that defines ``test_*`` functions is an inner pytest module
  (warnings are errors, markers strict); any other block is executed as a script.
- ```` ```python setup ```` blocks are the file's declared shared setup (imports, the app factory,
  a ``client`` fixture), put in front of every block of that file that runs.
- ```` ```python fragment ```` blocks are excerpts (a signature list, a partial config): compiled,
  not run.
- A ```` ```text output ```` block right after a script is what the script prints: compared.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import NamedTuple

import pytest

from ._fences import DOCS, ROOT, fences

pytest_plugins = ["pytester"]

class Block(NamedTuple):
    path: str
    line: int
    kind: str  # "run", "setup" or "fragment"
    source: str
    output: str | None = None  # the ```text output block that follows it, if any


def blocks() -> list[Block]:
    found = []
    for fence in fences("python"):
        kind = "setup" if "setup" in fence.tags else "fragment" if "fragment" in fence.tags else "run"
        found.append(Block(fence.path, fence.line, kind, fence.body, fence.output))
    return found


BLOCKS = blocks()


def setup_of(path: str) -> str:
    return "\n\n".join(block.source for block in BLOCKS if block.path == path and block.kind == "setup")


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{block.path}:{block.line}" for block in BLOCKS])
def test_the_block_compiles(block: Block) -> None:
    compile(block.source, f"{block.path}:{block.line}", "exec")


RUNNABLE = [block for block in BLOCKS if block.kind == "run"]


@pytest.mark.parametrize("block", RUNNABLE, ids=[f"{block.path}:{block.line}" for block in RUNNABLE])
def test_the_block_runs(block: Block, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # scripts run in a subprocess: this checkout first
    source = setup_of(block.path) + "\n\n" + textwrap.dedent(block.source)
    if re.search(r"^(async )?def test_", source, flags=re.MULTILINE):
        pytester.makepyfile(test_snippet=source)
        result = pytester.runpytest("-W", "error", "--strict-markers", "-p", "no:cacheprovider")
        outcomes = result.parseoutcomes()
        assert outcomes.get("passed", 0) >= 1 and set(outcomes) <= {"passed", "warnings"}, (
            str(result.stdout) + str(result.stderr)
        )
    else:
        pytester.makepyfile(snippet=source)
        result = pytester.runpython(pytester.path / "snippet.py")
        assert result.ret == 0, str(result.stdout) + str(result.stderr)
        if block.output is not None:
            assert "\n".join(result.outlines).strip() == block.output.strip()


def test_docs_refer_to_no_file_the_wheel_lacks() -> None:
    """The wheel ships asgi_authinfo and pytest_plugin: the testing docs send no reader elsewhere."""
    text = (ROOT / "docs" / "testing.md").read_text()
    assert "examples/" not in text


def test_the_readme_testing_block_is_the_tested_quick_start() -> None:
    """README.md's "Testing your app" block is docs/testing.md's quick start, word for word."""
    section = (ROOT / "README.md").read_text().split("## Testing your app", 1)[1].split("\n## ", 1)[0]
    (block,) = [block for block in BLOCKS if block.path == "README.md" and block.source in section]
    assert block.source in (ROOT / "docs" / "testing.md").read_text()


_REPOSITORY_ONLY = re.compile(r"\b(examples|tests|benchmarks|fuzz)[/.][\w<]")


def sections(doc: Path) -> list[tuple[int, str]]:
    """The prose of a page (code blocks blanked out), cut at its headings: (first line, text)."""
    blank = lambda code: "\n" * code.group(0).count("\n")  # noqa: E731
    text = re.sub(r"^```.*?^```$", blank, doc.read_text(), flags=re.DOTALL | re.MULTILINE)
    starts = [0, *(match.start() for match in re.finditer(r"^#", text, flags=re.MULTILINE))]
    ends = [*starts[1:], len(text)]
    return [(text.count("\n", 0, a) + 1, text[a:b]) for a, b in zip(starts, ends, strict=True)]


@pytest.mark.parametrize("doc", DOCS, ids=[str(doc.relative_to(ROOT)) for doc in DOCS])
def test_files_the_wheel_lacks_are_said_to_be_in_the_repository(doc: Path) -> None:
    """The wheel ships asgi_authinfo and pytest_plugin only: a page that sends the reader to
    ``examples/`` says, in that section, that it is in the source repository; one that names the
    project's ``tests/``, ``benchmarks/`` or ``fuzz/`` says so somewhere on the page."""
    unsaid = []
    page_says = "repositor" in doc.read_text().lower()
    for line, section in sections(doc):
        for match in _REPOSITORY_ONLY.finditer(section):
            said = "repositor" in section.lower() if match.group(1) == "examples" else page_says
            if not said:
                where = line + section.count("\n", 0, match.start())
                unsaid.append(f"{doc.name}:{where}: {match.group(0)}")
    assert not unsaid, "say these come from the source repository (not the wheel):\n" + "\n".join(unsaid)
