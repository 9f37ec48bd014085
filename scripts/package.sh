#!/usr/bin/env bash
# Builds the Debian package with cargo-deb (release build, stripped) into
# target/debian/, then checks it: lintian finds no error, and
# systemd-analyze accepts its units (with the packaged binary's path).
# cargo-deb and lintian are installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-packages.sh build postgres deb
echo "== cargo deb"
rm -f target/debian/tandem_*.deb
target/cargo-deb/bin/cargo-deb --locked --strip --output target/debian/ >/dev/null
deb=$(ls target/debian/tandem_*.deb)
echo "built $deb ($(du -k "$deb" | cut -f1) KiB)"

echo "== lintian"
lintian --fail-on error --allow-root "$deb"

echo "== systemd-analyze verify"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
units="$root/units"
mkdir -p "$units"
for unit in "$root"/lib/systemd/system/* "$root"/usr/lib/systemd/system/*; do
  [ -f "$unit" ] || continue
  sed "s#/usr/bin/tandem#$root/usr/bin/tandem#g" "$unit" >"$units/$(basename "$unit")"
done
ls "$units"/tandem.service "$units"/tandem-backup.service "$units"/tandem-backup.timer >/dev/null
SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$units"/*
echo "units verified"
