# One image for both entrypoints: `wasi-operator` (the controller) and
# `wasi-host` (runs one guest; the operator puts this image into every WasiApp
# Pod). The local cluster tooling builds it from this file as it is, without
# a Docker engine (`wasi-operator images ensure`, run by `cluster up`: buildah
# with chroot isolation, on a node:26-slim assembled locally) and pushes it to
# the cluster's registry as wasi-operator:<version> and :latest. Elsewhere:
# `npm run build && docker build -t wasi-operator .`
FROM node:26-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY dist/operator ./dist/operator
COPY crds ./crds
# `wasi-operator smoke` (the chart's `helm test` Pod) runs the seed's WasiApp
# (embedded in the command) with this guest.
COPY guest/build/dapr-state-test.wasm ./guest/build/
RUN ln -s /app/bin/wasi-host.mjs /usr/local/bin/wasi-host \
 && ln -s /app/bin/wasi-operator.mjs /usr/local/bin/wasi-operator
# The Pod builder runs the host as 65532 with a read-only root filesystem.
USER 65532:65532
# The controller is long-lived and mostly idle: V8 sized for memory keeps it
# under 150 MB with 5,000 WasiApps cached (test/bench/operator-memory.bench.mjs
# runs it with the same flags). `wasi-host`, started by its own shebang in each
# WasiApp Pod, keeps V8's defaults.
ENTRYPOINT ["node", "--optimize-for-size", "--max-semi-space-size=1", "/app/bin/wasi-operator.mjs"]
CMD ["controller"]
