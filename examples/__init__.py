"""Runnable example apps, one per framework; see docs/frameworks.md for the run commands."""
