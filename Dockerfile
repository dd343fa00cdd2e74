# One image for the api, the relay and the projector; the command picks the app:
#   node dist/apps/api/src/main.js | node dist/apps/relay/src/main.js | node dist/apps/projector/src/main.js
# docker-compose.yml builds it once and runs every app from it.

# ---- build: compile TypeScript and the native better-sqlite3 addon ----
FROM node:24-bookworm-slim AS build
# better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# node-gyp compiles against this image's own Node headers instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
# Whatever this image's npm makes of package.json's `allowScripts`, run no install script, then build the
# one addon we trust explicitly, and fail here if it does not load.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && node -e "new (require('better-sqlite3'))(':memory:').close()"
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY projections ./projections
# One tsc build emits every app (api, relay, projector, rebuild, audit); Nest's tsc builder rewrites the @app/*
# path aliases to relative requires, so the output runs on plain node. Vite builds the operator console
# (static files the api serves at /console) into dist/console.
RUN npx nest build api \
 && npx vite build --config apps/console/vite.config.ts \
 && test -f dist/console/index.html \
 && test -f dist/apps/api/src/main.js \
 && test -f dist/apps/relay/src/main.js \
 && test -f dist/apps/projector/src/main.js \
 && test -f dist/apps/rebuild/src/main.js \
 && test -f dist/apps/audit/src/main.js

# ---- production: runtime dependencies and the compiled output only ----
FROM node:24-bookworm-slim AS production
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts here either: the only one needed (better-sqlite3's build) was done above, for the
# same base image and Node ABI, so its binary is copied instead of needing a compiler in this image.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/node_modules/better-sqlite3/build/Release/better_sqlite3.node \
     ./node_modules/better-sqlite3/build/Release/better_sqlite3.node
COPY --from=build /app/dist ./dist
# DATA_DIR is only used in embedded mode (SQLite file, generated dev key); make it writable for `node`.
RUN mkdir -p /app/data && chown node:node /app/data
ENV HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data
USER node
EXPOSE 3000
# Every app serves GET /health on PORT (api: event store reachable; workers: their own dependencies).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The api runs with package.json's config.apiNodeFlags, as npm start does (Node refuses
# --min-semi-space-size in NODE_OPTIONS): a fixed young generation, why in docs/performance.md.
CMD ["node", "--min-semi-space-size=64", "--max-semi-space-size=64", "dist/apps/api/src/main.js"]
