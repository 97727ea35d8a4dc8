"""The django example: app.py and its tests."""
