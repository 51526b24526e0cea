"""Tests: fiscal."""
