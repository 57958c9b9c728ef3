"""Forecast layer: dynamic stock models and the Monte Carlo rare-earth outlook (2015-2050)."""
