# Global args: visible to FROM lines only.
ARG GO_VERSION=1.22
ARG ALPINE=3.19
ARG REGISTRY=docker.io

FROM --platform=$BUILDPLATFORM ${REGISTRY}/library/golang:${GO_VERSION} AS build
ARG TARGETOS TARGETARCH
ARG GO_VERSION
ENV CGO_ENABLED=0
RUN --mount=type=cache,target=/root/.cache/go-build GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM alpine:${ALPINE} AS certs
RUN apk add --no-cache ca-certificates

FROM build AS test
RUN go test ./...

FROM scratch AS docs
COPY README.md /

FROM scratch
ARG TOOLS=tools-stage
COPY --from=certs /etc/ssl/certs /etc/ssl/certs
COPY --from=build /out/app /app
COPY --from=busybox:musl /bin/busybox /bin/busybox
RUN --mount=type=bind,from=docs,target=/docs true
ENTRYPOINT ["/app"]
