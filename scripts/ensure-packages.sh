#!/usr/bin/env bash
# Installs, with apt, whatever the given commands need and the machine lacks.
# Usage: scripts/ensure-packages.sh postgres [browser]
set -euo pipefail

missing=()
for need in "$@"; do
  case "$need" in
    postgres)
      if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        missing+=(postgresql)
      fi
      ;;
    browser)
      command -v chromium >/dev/null 2>&1 || missing+=(chromium)
      command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
      ;;
    *) echo "ensure-packages: unknown need '$need'" >&2; exit 2 ;;
  esac
done

if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
