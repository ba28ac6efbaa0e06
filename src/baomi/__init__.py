"""Baomi (保密): confidentiality-management platform."""

__version__ = "0.1.0"
