"""Speed figures for the engine's hot paths: `python -m bench NAME` (see bench/__main__.py)."""
