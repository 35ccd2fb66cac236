"""Safety Net: find the residents who are missing out on support, and get it to them."""

__version__ = "0.1.0"
