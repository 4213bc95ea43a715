# syntax=docker/dockerfile:1
# Build: docker build -t dvc-sync-s3-api .     Run: docker compose up (see docker-compose.yml and the README)
# Node.js 24 LTS. better-sqlite3 compiles from source when no prebuilt binary matches: both dependency stages have
# the build tools, the runtime stage does not.

# Production dependencies only, compiled for this Node.js.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Everything, to compile the TypeScript.
FROM deps AS build
RUN npm ci
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build

# What runs: the compiled service and its production dependencies (test/ops/runtime-image.e2e-spec.ts performs
# these same steps in a clean folder). No git and no dvc: the service writes Git and DVC formats itself, and
# teammates use the dataset from the Git repository and the DVC remote, not from inside this container.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=8000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json .env.example ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8000
# Over https when TLS_CERT_FILE is set (loopback, so the certificate's name is not checked).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "const t=!!process.env.TLS_CERT_FILE;require(t?'https':'http').get({host:'127.0.0.1',port:process.env.PORT||8000,path:'/_admin/health',rejectUnauthorized:false},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
# SIGTERM → graceful shutdown: answers what is in flight, flushes pending changes to Git + DVC once more, exits 0.
STOPSIGNAL SIGTERM
# A young generation of 16 MiB per semi-space (V8 sizes it smaller by default): each PUT allocates a few KiB that die
# young, and fewer, larger scavenges cost less CPU per PUT (bench/results/put-path-6.md). `npm run start:prod` runs
# the same command.
CMD ["node", "--max-semi-space-size=16", "dist/main.js"]
