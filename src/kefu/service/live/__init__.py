"""The live floor: agents, presence, conversations, the queue, handovers, web chat.

``actions*`` are the use-cases (API, dashboard and CLI call only these and
``schemas``); ``store*`` the queries, locks and single-statement writes;
``events`` the kinds of event rows and their writers.
"""
