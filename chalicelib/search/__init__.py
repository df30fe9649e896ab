"""A pure library: Chinese text in, ranked documents out. Imports nothing above it, neither boto3 nor chalice."""
