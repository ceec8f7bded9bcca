"""Helpers shared by the test layers: plain factory functions for users and hazards."""
