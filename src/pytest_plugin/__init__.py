"""The asgi-authinfo pytest plugin: a fake issuer with real keys, token factories and fixtures."""
