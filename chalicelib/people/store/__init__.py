"""The people domain's item families on the table: keys, the directory."""
