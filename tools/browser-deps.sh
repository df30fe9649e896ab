#!/usr/bin/env bash
# What the browser tests need from the system: Debian's chromium, a font with Chinese glyphs, and DejaVu Sans,
# which draws the few symbols (℃, Ⅴ) that WenQuanYi Micro Hei leaves blank (zhida.css takes them from it).
# Installs them with apt when missing (as root, or through sudo without a password); otherwise says the
# one command to run and fails, so `make test` never ends in a wall of browser errors.
set -euo pipefail

need=()
test -x /usr/bin/chromium || need+=(chromium)
test -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || need+=(fonts-wqy-microhei)
test -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || need+=(fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "The browser tests need: ${need[*]}. Install them once with:" >&2
  echo "  sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing ${need[*]} for the browser tests" >&2
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${need[@]}"
