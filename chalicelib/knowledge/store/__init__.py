"""The knowledge domain's item families on the table: articles, the lexicon, index snapshots."""
