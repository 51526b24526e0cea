"""Tests: kuper."""
