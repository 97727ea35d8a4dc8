"""The litestar example: app.py and its tests."""
