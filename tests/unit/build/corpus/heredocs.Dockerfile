FROM busybox
RUN <<EOF
echo "hello $NAME"
EOF
RUN <<-"EOT" bash
		echo tabs \
	stripped
	EOT
RUN cat <<A && cat 3<<'B'
first
A
second $x
B
COPY <<one.txt <<-two.txt /dst/
content one
one.txt
	content two
	two.txt
COPY --chmod=755 <<EOF /usr/local/bin/run
#!/bin/sh
exec "$@"
EOF
RUN echo "not <<EOF a heredoc"
