# Concord container image. (No Docker engine runs on the development machines; this file
# is kept correct by reading. Build: docker build -t concord . ; run: see README.)

# --- build stage: compile TypeScript (better-sqlite3 needs a toolchain if no prebuilt binary) ---
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schemas ./schemas
# The admin API serves its OpenAPI document, compiled in from docs/.
COPY docs ./docs
RUN npm run build

# --- runtime stage: production dependencies and compiled code only, non-root ---
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    CONCORD_HOST=0.0.0.0 \
    CONCORD_PORT=8080 \
    CONCORD_DATA_DIR=/data \
    CONCORD_CONFIG=/app/collections/concord.json
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the compiler toolchain is there just long enough for
# better-sqlite3's native build (when no prebuilt binary is available) and removed in the same layer.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && npm ci --omit=dev --no-audit --no-fund \
 && apt-get purge -y python3 make g++ && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/* /root/.npm /tmp/*
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
COPY collections ./collections
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.CONCORD_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# exec form: node runs as PID 1 and gets SIGTERM itself (graceful shutdown)
CMD ["node", "dist/src/cli/concord.js", "serve"]
