"""The web edge: JSON API plumbing, operation records, OpenAPI, the pages and their static files."""
