"""The fastapi example: app.py and its tests."""
