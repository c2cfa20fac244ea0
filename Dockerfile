# syntax=docker/dockerfile:1
# meterledger image. Stages: deps (every package, for the UI build), ui (the
# Svelte app into ui/dist), prod-deps (production packages only) and runtime
# (what runs: node:20-slim, non-root). The native secp256k1 addon is compiled
# from source in both dependency stages against this image's Node and glibc
# rather than trusting a prebuilt binary; the full node:20 image has python3,
# make and g++ for node-gyp, and the slim runtime carries no compiler.
# TypeScript runs through tsx at run time (bin/ledger.js), so there is no
# compile stage. docker-compose.yml builds the `runtime` target.

ARG NODE_IMAGE=node:20-bookworm
ARG NODE_SLIM_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund \
 && npm rebuild secp256k1 --build-from-source

FROM deps AS ui
# The UI bundles the pure bill calculation from src/domain.
COPY tsconfig.json ./
COPY ui ui
COPY src/domain src/domain
RUN npm run build:ui

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm rebuild secp256k1 --build-from-source \
 && npm cache clean --force

FROM ${NODE_SLIM_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=prod-deps /app/node_modules node_modules
COPY package.json package-lock.json tsconfig.json ./
# src imports the meter simulator and provisioning from devices/ (demo, provision-meter).
COPY bin bin
COPY src src
COPY devices devices
COPY --from=ui /app/ui/dist ui/dist
# `ledger` on PATH, so `docker compose exec app ledger audit` works; DATA_DIR
# is the only place the app writes, owned by the unprivileged `node` user (uid 1000).
RUN ln -s /app/bin/ledger.js /usr/local/bin/ledger \
 && mkdir -p /data \
 && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000 8081
# Liveness of `ledger serve` (GET /health does no IO). Gateways override it in docker-compose.yml.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["ledger"]
CMD ["serve", "--no-demo"]
