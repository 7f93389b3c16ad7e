"""Silences with Alertmanager's semantics: rules (validation, states, what an update may change)
and the service that keeps the live ones in memory, marks alerts and pushes every change."""
