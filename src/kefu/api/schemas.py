"""The request base and ``Day`` moved to :mod:`kefu.service.schemas` (issue 16); API modules still import them here."""

from kefu.service.schemas import ApiIn, Day, refuse_nul

__all__ = ["ApiIn", "Day", "refuse_nul"]
