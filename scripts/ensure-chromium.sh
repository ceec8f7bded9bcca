#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never a downloaded browser build); posters and
# screenshots need a Chinese font; the exported forms are checked in LibreOffice Calc
# (headless). Installs whichever is missing (needs root, as on CI).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing+=(fonts-noto-cjk)
command -v libreoffice >/dev/null || missing+=(libreoffice-calc-nogui)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${missing[*]}. Run 'sudo apt-get install ${missing[*]}' and try again." >&2
  exit 1
fi
echo "Installing Debian packages for the browser tests, posters and form checks: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
