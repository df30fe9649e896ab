"""The one DynamoDB table: what every item family shares (`table`: keys, the generation counter,
transactions, paging) and the generic time-bucketed records (`records`). No domain knowledge lives here;
each domain keeps its own families (`knowledge.store`, `people.store`, `desk.store`), and raw items never
leave a store.
"""
