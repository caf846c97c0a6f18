#!/usr/bin/env bash
# The web client's tests in a real browser: headless Chromium (Debian's, with its matching
# chromedriver) driven by Selenium (PyPI), against a chat-gateway built from this checkout.
# Installs what is missing. Checks first that the page embedded in the binary is web/'s.
#
#   scripts/browser-tests.sh [--screenshot PATH]   PATH: a screenshot of a conversation (docs/)
set -euo pipefail
cd "$(dirname "$0")/.."

screenshot=""
if [[ "${1:-}" == "--screenshot" ]]; then screenshot="$(realpath -m "${2:?--screenshot PATH}")"; fi

missing=()
for package in chromium chromium-driver; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
python3 -c "import selenium" 2>/dev/null || python3 -m pip install -q "selenium>=4.20,<5"

python3 scripts/embed-web-client.py --check
swift build --product chat-gateway
CHAT_GATEWAY_BINARY="$(swift build --show-bin-path)/chat-gateway" WEB_CLIENT_SCREENSHOT="$screenshot" \
  python3 -m unittest discover --start-directory Tests/Browser --pattern 'test_*.py' --verbose
