# syntax=docker/dockerfile:1
# The bot's production image: the compiled bot (dist/) under plain node, production dependencies
# only, as a non-root user. Build: docker build -t auth-client-bot .   Run: see compose.yaml and
# docs/deploying.md. test/image-layout.test.ts rebuilds the runtime stage's layout without Docker
# from this file (its COPY lines, ENV, WORKDIR, CMD, HEALTHCHECK): keep them in the forms used here.

ARG NODE_VERSION=20

# Compilers for better-sqlite3, which builds from source when no prebuilt binary fits.
FROM node:${NODE_VERSION}-bookworm-slim AS toolchain
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# Type check and bundle: dist/ (every dependency, dev ones included, only in this stage).
FROM toolchain AS build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# Production dependencies only (no TypeScript, esbuild, vitest, …), native modules built here.
FROM toolchain AS prod-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
  PORT=3000 \
  DATABASE_PATH=/app/data/auth-clients.sqlite
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# "type": "module" (dist/ is ES modules) and the migrations, found by walking up from dist/.
COPY package.json ./
COPY drizzle ./drizzle
# The SQLite file lives on a volume the unprivileged user owns; the code stays root's, read-only to it.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME /app/data
EXPOSE 3000
# node, not curl (the slim image has none): 0 when GET /healthz answers 200 (the database answers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and receives docker stop's SIGTERM itself (no shell, no npm in between): it stops
# taking requests, lets the work under way finish (up to 25 s) and exits 0. It starts no child
# processes, so there are no zombies to reap and no init is needed.
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "dist/main.js"]
