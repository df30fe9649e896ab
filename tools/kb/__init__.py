"""The `kb` command line: python -m tools.kb {serve,lint,sync,eval}."""
