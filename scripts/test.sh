#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit tests and the integration
# tests (a private PostgreSQL cluster and headless Chromium included).
# It installs what it needs when the machine lacks it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-packages.sh build postgres browser nginx axe maildev oidc schemathesis
for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --locked --all-targets -- -D warnings
echo "== the Debian package"
scripts/package.sh
echo "== cargo test"
cargo test --locked
