"""Acme accounts service: a small FastAPI app used as the asynclint example."""
