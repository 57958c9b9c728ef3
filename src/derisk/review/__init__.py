"""Review layer: read a rare-earth article, extract claims, check them against the dataset."""
