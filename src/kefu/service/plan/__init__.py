"""Plan area: forecasts, staffing requirement, intraday, and planning / checking / storing the roster."""
