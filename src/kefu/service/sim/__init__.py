"""The shop simulator's use-cases (benchmark-scale exports)."""
