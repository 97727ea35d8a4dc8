"""The falcon example: app.py and its tests."""
