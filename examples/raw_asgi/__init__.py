"""The raw_asgi example: app.py and its tests."""
