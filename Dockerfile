# kho as a container image: a Rust build stage and a small Debian runtime.
#
#   docker build -t kho .
#   docker run --rm -p 8080:8080 kho demo --listen 0.0.0.0:8080    # try it
#   docker compose -f deploy/compose.yaml --env-file deploy/kho.env up -d   # production, with PostgreSQL
#
# docs/src/operations/deploying.md explains the image and its settings.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS build
WORKDIR /src
COPY . .
# The lock file is honoured (--locked): the image builds what CI tested.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p kho-cli \
    && install -D -m 0755 target/release/kho /out/kho

FROM debian:${DEBIAN_RELEASE}-slim
# ca-certificates: the marketplaces' TLS certificates are checked against
# the system's roots. curl: the HEALTHCHECK below (kho has no HTTP client
# subcommand of its own).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 kho \
    && useradd --system --uid 10001 --gid kho --home-dir /var/lib/kho --shell /usr/sbin/nologin kho \
    && install -d -o kho -g kho -m 0750 /var/lib/kho
COPY --from=build /out/kho /usr/local/bin/kho

# The working directory holds the SQLite database of a single-container
# installation (the default database.url is sqlite://kho.db); with
# PostgreSQL it stays empty.
WORKDIR /var/lib/kho
VOLUME ["/var/lib/kho"]
USER kho:kho
ENV KHO__SERVER__LISTEN=0.0.0.0:8080 \
    KHO__LOG__FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["kho"]
CMD ["serve"]
