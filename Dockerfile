# syntax=docker/dockerfile:1
# The Ria engine image: `docker build -t ria:dev .` then `ria install --image ria:dev`.
# Two stages because the engine is TypeScript: the build stage needs dev dependencies (tsc),
# the runtime stage gets only production dependencies and the compiled JavaScript.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json* ./
# --ignore-scripts: the `prepare` script runs tsc, and the sources are not copied yet.
# package-lock.json is not committed (.gitignore); with one in the context the install is reproducible.
RUN if [ -f package-lock.json ]; then npm ci --ignore-scripts; else npm install --ignore-scripts --no-audit --no-fund; fi
COPY tsconfig.json ./
COPY engine ./engine
COPY schemas ./schemas
RUN npx tsc -p tsconfig.json

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json* ./
RUN if [ -f package-lock.json ]; then npm ci --omit=dev --ignore-scripts; else npm install --omit=dev --ignore-scripts --no-audit --no-fund; fi \
 && npm cache clean --force
COPY --from=build /src/dist/engine ./dist/engine
# Read at runtime relative to dist/ (version, config schema).
COPY schemas ./schemas
# The `node` user (uid 1000) of the base image; the Deployment also sets runAsNonRoot/runAsUser 1000.
USER 1000:1000
# The root filesystem is read-only in the cluster; git caches and temp files go to the /tmp emptyDir.
ENV HOME=/tmp
EXPOSE 8080
ENTRYPOINT ["node", "dist/engine/cli/bin.js"]
CMD ["engine"]
