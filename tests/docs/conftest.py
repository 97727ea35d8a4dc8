"""Shared by the docs tests.

``pytester.runpytest`` runs in this process and, afterwards, drops every module first imported
during the run. A framework first imported by a snippet would then be imported a second time by
the next test, and its two copies disagree (FastAPI's routes stop matching). Importing the
frameworks the docs use here keeps one copy for the whole session.
"""

from __future__ import annotations

import fastapi  # noqa: F401
import starlette.testclient  # noqa: F401
