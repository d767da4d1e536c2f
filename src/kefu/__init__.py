"""kefu (客服): plan the team, run the day, credit the work."""

__version__ = "0.1.0"
