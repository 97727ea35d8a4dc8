"""The quart example: app.py and its tests."""
