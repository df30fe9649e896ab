"""The desk: feedback, flags and tasks, the query log and reports."""
