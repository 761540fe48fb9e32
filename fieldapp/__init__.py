"""户户清 (fieldapp): offline six-clear home-visit survey for trade-union hardship casework."""

__version__ = "0.1.0"
