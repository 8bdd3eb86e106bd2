#!/bin/sh
# Prints a greeting: greet.sh WHO
echo "${1:-world}: built $(date -u +%Y-%m-%d 2>/dev/null || echo today)" | sed 's/^/>> /'
