"""Data protection: which content is personal, whose it is, and when it may be forgotten."""
