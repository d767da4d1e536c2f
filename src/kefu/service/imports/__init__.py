"""Imports area: shops' export files (orders, items, chats, calls) into the database.

Callers import ``kefu.service.imports.actions``; this package re-exports nothing heavy
so ``kefu --help`` stays fast.
"""
