#!/usr/bin/env bash
# Installs the Debian packages the renderer needs, only those that are missing.
# libharfbuzz-subset0 lets WeasyPrint subset CJK fonts about fifty times faster;
# the font packages give the declared font stacks (generator/campaign/languages.py):
# fonts-noto-cjk has Noto Sans CJK SC and TC for Chinese, JP for Japanese and KR for Korean (every Hangul
# syllable: tests/test_korean.py); libgs-common gives default_cmyk.icc, the CMYK
# profile of press output's output intent (generator/prepress/profiles.py); chromium and
# chromium-driver run the workspace's browser tests (tests/test_workspace_browser.py).
set -euo pipefail

packages=(
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0
  libicu-dev pkg-config g++ fontconfig
  fonts-noto-core fonts-noto-cjk fonts-lao
  poppler-utils libgs-common
  chromium chromium-driver
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Run as root or install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
