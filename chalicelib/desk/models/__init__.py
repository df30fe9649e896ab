"""The desk's pydantic models: feedback (votes, flags, tasks) and reports."""
