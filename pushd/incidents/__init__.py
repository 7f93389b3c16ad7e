"""Incidents: their lifecycle rules, timeline and metrics, above any storage backend."""
