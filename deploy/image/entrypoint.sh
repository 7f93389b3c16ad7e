#!/bin/sh
# The image's command picks what runs: `all` (the default: pushd and the dashboard under honcho, from
# the Procfile), `pushd`, or `dashboard`; any other command runs as given (e.g. `python -m pushd.tail`).
# The single programs are exec'd, so that a container runtime's SIGTERM reaches them directly.
set -eu
[ $# -gt 0 ] || set -- all
mode=$1
case "$mode" in
    all) shift; set -- honcho start "$@" ;;
    pushd) shift; set -- python -m pushd "$@" ;;
    # The Procfile's dashboard line, with the image's defaults.
    dashboard) shift; set -- streamlit run dashboard/app.py --server.port "${DASHBOARD_PORT:-8501}" \
        --server.address "${DASHBOARD_HOST:-0.0.0.0}" "$@" ;;
    *) mode=other ;;
esac
# The healthcheck probes what this command serves (deploy/image/healthcheck.py).
echo "$mode" > /tmp/pushd-image.mode 2>/dev/null || true
exec "$@"
