"""What went out and how it went: the figures behind ``evertide stats`` (and later the report)."""
