"""asynclint: find the async performance pitfalls that make FastAPI services slow under load."""

__version__ = "0.1.0"
