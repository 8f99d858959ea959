#!/usr/bin/env bash
# Installs what the browser and HTML tests need, only when missing:
#   - Chromium at /usr/bin/chromium (Debian package; Playwright drives it, it never downloads its own)
#   - Java, to run the Nu HTML checker
#   - vnu-jar (the Nu HTML checker) from npm into .test-tools/ (gitignored)
#   - valgrind, whose callgrind bench/instructions.py counts a build's instructions with
#   - newsboat and rss2email, the feed readers of the feed tests
# Runs as root on CI and fresh machines; elsewhere it says what is missing and carries on
# (the tests then skip with a reason, except under CI=true where they fail).
set -euo pipefail
cd "$(dirname "$0")/../.."

TOOLS_DIR=.test-tools
VNU_JAR="$TOOLS_DIR/node_modules/vnu-jar/build/dist/vnu.jar"
VNU_VERSION=26
AXE_JS="$TOOLS_DIR/node_modules/axe-core/axe.min.js"
AXE_VERSION=4

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium fonts-dejavu-core)
command -v java >/dev/null 2>&1 || packages+=(default-jre-headless)
command -v valgrind >/dev/null 2>&1 || packages+=(valgrind)
# Feed readers the feed tests import the OPML lists into (tests/site/test_feeds_readers.py)
command -v newsboat >/dev/null 2>&1 || packages+=(newsboat)
command -v r2e >/dev/null 2>&1 || packages+=(rss2email)
if { [ ! -f "$VNU_JAR" ] || [ ! -f "$AXE_JS" ]; } && ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi

if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-test-tools: apt-get install ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  else
    echo "install-test-tools: missing ${packages[*]} (run as root with apt-get to install them); browser/HTML/instruction-count tests will skip" >&2
  fi
fi

# npm_tool FILE PACKAGE WHAT: install an npm package into $TOOLS_DIR unless FILE is there; WHAT skips without npm.
npm_tool() {
  [ -f "$1" ] && return 0
  if command -v npm >/dev/null 2>&1; then
    echo "install-test-tools: npm install $2 into $TOOLS_DIR/"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --loglevel=error "$2" >/dev/null
  else
    echo "install-test-tools: npm missing, cannot install $2; $3 will skip" >&2
  fi
}

npm_tool "$VNU_JAR" "vnu-jar@$VNU_VERSION" "HTML validation tests"
npm_tool "$AXE_JS" "axe-core@$AXE_VERSION" "the accessibility checks of the browser tests"
