"""kuper."""
