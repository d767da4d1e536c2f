"""Demo area: the seeded demo shop and its sign-in accounts."""
