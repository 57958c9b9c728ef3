"""Checking: claims against the store's facts and the forecast; coverage and framing."""
