"""Duty area: the follow-up rules over files and over stored orders (durable timers), tasks, the outbox.

Front doors are ``actions`` (replay, scheduling, firing, the worker), ``actions_tasks`` (task list,
completion, escalation, KPI figures) and ``actions_outbox`` (sending queued messages);
``schemas`` holds their typed in/out models, ``store`` the queries and locks, ``events`` the
event kinds this area writes. The rules themselves live in the pure engine :mod:`kefu.duty`.
"""
