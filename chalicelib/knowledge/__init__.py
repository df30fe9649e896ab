"""Articles and the lexicon: parsing, lint, the live index, reading, the editorial workflow; its models and stores."""
