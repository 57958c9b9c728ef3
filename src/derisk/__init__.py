"""derisk: rare-earth supply-chain risk, with every figure traceable to a source."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
