"""Care area: tickets and callbacks, surveys, reply templates, the FAQ bot, logbooks and the ledger.

Front doors are ``actions`` (a shop's care settings) and ``actions_<topic>`` (tickets, surveys,
books, templates, bot, bot_mining); ``schemas`` holds their typed in/out models, ``store`` the
queries and locks, ``events`` the event kinds this area writes. The reasoning lives in the pure
engine :mod:`kefu.care`.
"""
