"""Framework adapters: one module per framework, each importing its framework only inside itself.

``import asgi_authinfo`` never imports a web framework; ``asgi_authinfo.contrib.fastapi`` needs
FastAPI, ``asgi_authinfo.contrib.litestar`` needs Litestar, and so on.
"""

__all__: list[str] = []


def framework_missing(module: str, package: str) -> ImportError:
    """The ImportError an adapter raises when its framework is not installed."""
    return ImportError(f"asgi_authinfo.contrib.{module} needs {package}: pip install {package.lower()}")
