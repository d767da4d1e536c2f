"""Team self-service (issue 22): leave, swaps and open shifts, overtime, briefings, people processes.

``actions`` holds the use-cases (the only module api/ui/commands import),
``store`` the queries and locks, ``events`` one writer per event kind. Nothing
heavy is imported here so ``kefu --help`` stays fast.
"""
