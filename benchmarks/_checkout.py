"""Imported first by the benchmark scripts: measure the checkout they sit in, not an installed copy."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path[:1]:
    sys.path.insert(0, ROOT)
