FROM alpine:3.19

   RUN apk add --no-cache \
        curl \
# a comment inside the continuation
        git \
    # an indented comment

        make
ENV A=1 \ 
    B=2
RUN echo one\
two
LABEL a=b \
  c="d e"
