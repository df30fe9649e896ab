"""The knowledge domain's pydantic models: content (articles), editing (the workflow), reading (search and views)."""
