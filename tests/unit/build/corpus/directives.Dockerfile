# syntax=docker/dockerfile:1.7
# ESCAPE = `
#check=skip=JSONArgsRecommended
# not a directive, so directives end here
# escape=\
FROM mcr.microsoft.com/windows/servercore:ltsc2022
COPY testfile.txt c:\
RUN dir c:\ `
    && echo done
WORKDIR C:\app
