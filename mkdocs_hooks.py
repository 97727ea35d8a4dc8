"""MkDocs hooks for the documentation site (``mkdocs.yml``): README.md is the home page.

The README and the pages in ``docs/`` are written for GitHub, where they link to each other as
files of the repository. On the site, the README's ``docs/x.md`` links become ``x.md``, and links to
files outside ``docs/`` (``SECURITY.md``, ``examples/...``) point at the repository. The fence tags
of ``tests/docs/test_snippets.py`` (```` ```python setup ````, ```` ```text output ````) become
titles Material shows.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
BLOB = "https://github.com/asgi-authinfo/asgi-authinfo/blob/main/"
_LINK = re.compile(r"\]\((?!https?:|#|mailto:)([^)\s]+)\)")
_TAGGED_FENCE = re.compile(r"^```(python|text) (setup|fragment|output)$", re.MULTILINE)
_TITLES = {"setup": "shared setup: the snippets below use it", "fragment": "excerpt", "output": "output"}


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """The README as the index page; repository links rewritten for the site."""
    if page.file.src_uri == "index.md":
        readme = (ROOT / "README.md").read_text()
        markdown = _LINK.sub(lambda match: f"]({_from_root(match.group(1))})", readme)
    else:
        markdown = _LINK.sub(lambda match: f"]({_from_docs(match.group(1))})", markdown)
    return _TAGGED_FENCE.sub(lambda match: f'```{match.group(1)} title="{_TITLES[match.group(2)]}"', markdown)


def _from_root(target: str) -> str:
    if target.startswith("docs/"):
        return target.removeprefix("docs/")
    return BLOB + target


def _from_docs(target: str) -> str:
    if not target.startswith("../"):
        return target
    if target.startswith("../README.md"):
        return "index.md" + target.removeprefix("../README.md")
    return BLOB + target.removeprefix("../")
