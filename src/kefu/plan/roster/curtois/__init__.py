"""The Curtois & Qu employee-scheduling benchmark as an adapter onto the one roster engine.

``reader`` parses and validates instances (the objective recomputed from a
roster alone), ``mapping`` turns an instance into the engine's general model
(line rules, cover rows, request penalties), ``model`` / ``moves`` / ``greedy``
give the engine its constructive start and LNS neighbourhoods, and ``solve``
runs the engine on it.
"""
