# A stage exercising every instruction of the reference.
ARG BASE=debian:bookworm OTHER
from ${BASE} AS Builder
MAINTAINER Jane Doe <jane@example.com>
LABEL org.opencontainers.image.title="pallet test" version=1.0 "quoted key"=value
LABEL description This is the old form
ENV PATH=/opt/bin:$PATH LANG="C.UTF-8"
ENV OLD_STYLE value with spaces
ARG VERSION=1.2.3
ARG USER
RUN apt-get update && apt-get install -y curl
Run ["/bin/sh", "-c", "echo exec form"]
ADD https://example.com/archive.tar.gz /tmp/
ADD ["src dir/", "/app/"]
COPY file1 file2 /dest/
EXPOSE 80 443/tcp 53/udp
VOLUME ["/data", "/logs"]
VOLUME /cache /var/tmp
USER app:app
WORKDIR /app
ONBUILD COPY . /app/src
onbuild RUN make
STOPSIGNAL SIGTERM
HEALTHCHECK NONE
HEALTHCHECK --interval=30s --timeout=5s --start-period=1m --start-interval=2s --retries=3 CMD curl -f http://localhost/ || exit 1
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["serve", "--port", "80"]
CMD serve --port 80
