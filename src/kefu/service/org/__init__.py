"""The org area: accounts and sign-in, integration tokens, agents and shifts, buyers' privacy.

``actions`` (accounts, sessions, sign-in, tokens), ``actions_admin`` (agents,
shift templates), ``actions_privacy`` (reveal, erase, retention); ``schemas``
holds their In/Out models, ``store`` the queries, ``events`` the event kinds.
"""
