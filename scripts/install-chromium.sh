#!/usr/bin/env bash
# Installs Debian's Chromium (/usr/bin/chromium) for the headless WebGPU browser test
# (packages/tensor/test/browser). Its bundled SwiftShader gives a software WebGPU adapter, so no GPU
# is needed. Never `playwright install`: the test drives this system Chromium via playwright-core.
# Needs root (or sudo). Idempotent.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "install-chromium: already installed ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else echo "install-chromium: needs root or sudo" >&2; exit 1; fi
fi

$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
echo "install-chromium: installed $(/usr/bin/chromium --version 2>/dev/null || dpkg-query -W -f='chromium ${Version}' chromium)"
