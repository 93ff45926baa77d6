# syntax=docker/dockerfile:1
# One Dockerfile for the container deployment (docker-compose.yml):
#   runtime  the four service binaries on debian:bookworm-slim
#   web      nginx:1.27 with the built web app and nginx/docker.conf

# ---- the Rust services -----------------------------------------------------------------------
FROM rust:1.95-bookworm AS build
# The image's toolchain, whatever components rust-toolchain.toml lists (building needs none).
ENV RUSTUP_TOOLCHAIN=1.95.0
WORKDIR /src
COPY . .
# Cache mounts keep the registry and target/ between builds; the binaries are copied out of
# the cached target/ in the same step, since the mount is gone afterwards.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --workspace --bins \
    && mkdir -p /out \
    && cp target/release/chat-auth target/release/chat-rooms \
          target/release/chat-gateway target/release/chat-notifier /out/

# ---- the web app -------------------------------------------------------------------------------
FROM node:20-bookworm AS web-build
WORKDIR /web
COPY services/web/package.json services/web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY services/web/ ./
RUN npm run build

# ---- nginx with the web app ------------------------------------------------------------------
FROM nginx:1.27 AS web
COPY nginx/docker.conf /etc/nginx/nginx.conf
COPY --from=web-build /web/dist/ /usr/share/nginx/html/
EXPOSE 8080

# ---- services runtime (last, so a plain `docker build .` gives it) ---------------------------
FROM debian:bookworm-slim AS runtime
# curl only for the compose health checks (GET /readyz).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home chat
COPY --from=build /out/ /usr/local/bin/
USER chat
# Services read only their environment; the compose file sets it per service.
CMD ["chat-auth"]
