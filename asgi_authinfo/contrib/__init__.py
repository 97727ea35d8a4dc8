"""Framework adapters: one module per framework, each importing its framework only inside itself.

``import asgi_authinfo`` never imports a web framework; ``asgi_authinfo.contrib.fastapi`` needs
FastAPI, ``asgi_authinfo.contrib.litestar`` needs Litestar, and so on.
"""

__all__: list[str] = []
