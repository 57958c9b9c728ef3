"""Extraction: claims (entities, quantities, metric, stage, period, hedge) from sentences."""
