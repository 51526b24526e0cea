"""Tests: inventory."""
