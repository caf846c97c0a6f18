#!/usr/bin/env bash
# Runs haproxy in the foreground on a configuration file, installing Debian's package when
# it is missing: the scale-out tests and benchmarks put it before several gateways.
#
#   scripts/haproxy.sh CONFIG
set -euo pipefail
config="${1:?usage: haproxy.sh CONFIG}"
if ! command -v haproxy >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
fi
exec haproxy -db -f "$config"
