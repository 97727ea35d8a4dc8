"""The starlette example: app.py and its tests."""
