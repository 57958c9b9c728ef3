"""Web layer: FastAPI app with the REST API and the dashboard pages (no domain logic)."""
