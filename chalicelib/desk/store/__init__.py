"""The desk's item families on the table: the precomputed report summaries."""
