"""Writing: ratings, prose, the critique and its evaluation."""
