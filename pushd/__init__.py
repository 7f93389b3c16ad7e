"""pushd: the alert store, the host sampler and the WebSocket push daemon."""

__version__ = "0.1.0"
