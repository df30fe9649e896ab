"""People: roles and access rules, API keys, sign-in limits, the department directory."""
