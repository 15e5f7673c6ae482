"""Completion forecasts from the record: the rates observed in participants' events, a
seeded Monte Carlo of each running participant's remaining path, and its backtest."""
