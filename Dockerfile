# One image for pushd, the dashboard, or both: the command picks (deploy/image/entrypoint.sh).
#   docker build -t pushd .
#   docker run -v pushd-data:/data -p 8000:8000 -p 8501:8501 pushd              # both, under honcho
#   docker run -v pushd-data:/data -p 8000:8000 pushd pushd                     # pushd alone
#   docker run -e PUSHD_URL=http://pushd:8000 -p 8501:8501 pushd dashboard      # the dashboard alone
# Behind a proxy or with a private index, pass a pip.conf and a CA bundle as build secrets (mounted for
# the install only, never stored in a layer); its `cert` must then be /run/secrets/pip-ca:
#   docker build --secret id=pip.conf,src=my-pip.conf --secret id=pip-ca,src=/etc/ssl/certs/ca-certificates.crt .
# See docs/deploy.md, "Container image".
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
WORKDIR /opt/pushd/app
COPY requirements.txt ./
# The pinned runtime closure only (no test or bench dependencies). pip's cache is a cache mount, kept
# by the builder between builds and never in a layer. Then out go what nothing runs: pip and
# setuptools, and the test suites and C++ headers that pandas, numpy and pyarrow ship (~75 MB).
RUN --mount=type=secret,id=pip.conf,target=/etc/pip.conf \
    --mount=type=secret,id=pip-ca,target=/run/secrets/pip-ca \
    --mount=type=cache,target=/root/.cache/pip \
    python -m venv /opt/pushd/venv \
 && /opt/pushd/venv/bin/pip install --disable-pip-version-check --require-virtualenv -r requirements.txt \
 && /opt/pushd/venv/bin/pip uninstall --yes --quiet pip setuptools \
 && cd /opt/pushd/venv/lib/python3.*/site-packages \
 && rm -rf pandas/tests numpy/tests numpy/*/tests pyarrow/tests pyarrow/include pyarrow/src \
        pyarrow/_pyarrow_cpp_tests.*
COPY Procfile ./
COPY .streamlit/ .streamlit/
COPY shared/ shared/
COPY pushd/ pushd/
COPY dashboard/ dashboard/
COPY deploy/image/ deploy/image/
# Bytecode now, since the non-root user cannot write __pycache__ next to the sources.
RUN python -m compileall -q shared pushd dashboard deploy/image

FROM ${PYTHON_IMAGE}
# uid and gid 10001: above any host's system and login ranges, so a bind mount's owner is unambiguous.
RUN groupadd --gid 10001 pushd \
 && useradd --no-log-init --uid 10001 --gid pushd --create-home --home-dir /home/pushd \
        --shell /usr/sbin/nologin pushd \
 && install -d -o pushd -g pushd -m 0750 /data
COPY --from=build /opt/pushd /opt/pushd
WORKDIR /opt/pushd/app
ENV PATH=/opt/pushd/venv/bin:$PATH \
    PYTHONPATH=/opt/pushd/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PUSHD_DATA_DIR=/data \
    PUSHD_HOST=0.0.0.0 \
    DASHBOARD_HOST=0.0.0.0 \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none
USER pushd:pushd
VOLUME ["/data"]
EXPOSE 8000 8501
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/opt/pushd/app/deploy/image/healthcheck.py"]
ENTRYPOINT ["/opt/pushd/app/deploy/image/entrypoint.sh"]
CMD ["all"]
