"""The edimap version."""

__version__ = "0.1.0"
