"""Temporary alias (issue 16): the shared request bases moved to :mod:`kefu.service.schemas`.

Kept only while other areas' routes still import from here; remove after merging them.
"""

from kefu.service.schemas import ApiIn, Day, refuse_nul

__all__ = ["ApiIn", "Day", "refuse_nul"]
