"""Shared analysis of one file, computed once and read by every rule."""
