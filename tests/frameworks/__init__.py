"""Framework adapters and the example apps, in process and through a real uvicorn."""
