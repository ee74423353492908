# syntax=docker/dockerfile:1
# The Ria engine image: `docker build -t ria:dev .` then `ria install --image ria:dev`.
# Two stages because the engine is TypeScript: the build stage needs dev dependencies (tsc),
# the runtime stage gets only production dependencies and the compiled JavaScript.
# Built for real on the local real node by Kaniko (engine/dev/cluster/engine-image.ts), FROM a
# local stand-in of node:20-bookworm-slim (see the README's image table).

FROM node:20-bookworm-slim AS build
# The npm registry to install from. A build without access to registry.npmjs.org passes a mirror
# (`--build-arg NPM_CONFIG_REGISTRY=...`); npm fetches the lockfile's packages from it.
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script runs tsc, and the sources are not copied yet.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY engine ./engine
COPY schemas ./schemas
# tsconfig also includes test/ and bench/, which are not in the context (.dockerignore): only engine/ compiles.
RUN npx tsc -p tsconfig.json

FROM node:20-bookworm-slim AS runtime
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
ENV NODE_ENV=production
COPY --from=build /src/dist/engine ./dist/engine
# Read at runtime relative to dist/ (version, config schema).
COPY schemas ./schemas
# The `node` user (uid 1000) of the base image; the Deployment also sets runAsNonRoot/runAsUser 1000.
USER 1000:1000
# The root filesystem is read-only in the cluster; git caches and temp files go to the /tmp emptyDir.
ENV HOME=/tmp
EXPOSE 8080 9090
ENTRYPOINT ["node", "dist/engine/cli/bin.js"]
CMD ["engine"]
