"""The pydantic models at the boundaries, one module per noun: content, reading, editing, desk, people."""
