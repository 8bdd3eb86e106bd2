FROM --platform=$BUILDPLATFORM golang:1.22 AS build
RUN --mount=type=cache,target=/root/.cache/go-build,id=gobuild,sharing=locked \
    --mount=type=bind,source=go.sum,target=go.sum,readonly \
    --mount=type=secret,id=npmrc,target=/root/.npmrc,required=true,mode=0400,uid=1000,gid=1000 \
    --mount=type=ssh \
    --mount=type=tmpfs,target=/tmp,size=64m \
    --network=none --security=sandbox \
    go build ./...
RUN --mount=type=cache,target=/var/cache/apt,sharing=private,rw --network=host apt-get update
FROM scratch
COPY --from=build --chown=1000:1000 --chmod=0644 --link /out/app /app
COPY --parents --exclude=*.md --exclude=docs/ ./src/ /srv/
COPY --link=false a b
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.13.0 /buildkit
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/f.tar /f.tar
ADD --unpack=false --exclude=*.tmp archive.tar.gz /opt/
HEALTHCHECK --retries=0 CMD ["/healthcheck"]
