#!/usr/bin/env bash
# Installs, with apt, whatever the given commands need and the machine lacks.
# Usage: scripts/ensure-packages.sh build postgres [deb] [browser] [nginx] [axe] [maildev] [oidc] [schemathesis]
set -euo pipefail

missing=()
need_axe=0
need_maildev=0
need_oidc=0
need_cargo_deb=0
need_schemathesis=0
for need in "$@"; do
  case "$need" in
    build)
      # OpenSSL's headers for webauthn-rs (passkeys), found through pkg-config.
      command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
      if ! pkg-config --exists openssl 2>/dev/null; then
        missing+=(libssl-dev)
      fi
      ;;
    postgres)
      if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        missing+=(postgresql)
      fi
      ;;
    browser)
      command -v chromium >/dev/null 2>&1 || missing+=(chromium)
      command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
      ;;
    deb)
      # cargo-deb (crates.io) builds the package; lintian checks it.
      command -v lintian >/dev/null 2>&1 || missing+=(lintian)
      [ -x target/cargo-deb/bin/cargo-deb ] || need_cargo_deb=1
      ;;
    nginx)
      # Debian's nginx: the proxy in front of two instances in the tests.
      [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
      ;;
    axe)
      # axe-core, from the npm registry, for the browser tests' accessibility checks.
      if [ ! -f target/npm/node_modules/axe-core/axe.min.js ]; then
        command -v npm >/dev/null 2>&1 || missing+=(npm)
        need_axe=1
      fi
      ;;
    maildev)
      # maildev, from the npm registry: the real SMTP server (with an HTTP
      # API to read what arrived) that the notification tests deliver to.
      if [ ! -x target/npm/node_modules/.bin/maildev ]; then
        command -v npm >/dev/null 2>&1 || missing+=(npm)
        need_maildev=1
      fi
      ;;
    oidc)
      # oidc-provider, from the npm registry: the real OpenID provider
      # (OpenID Certified) that the single sign-on tests sign in at.
      if [ ! -f target/npm/node_modules/oidc-provider/package.json ]; then
        command -v npm >/dev/null 2>&1 || missing+=(npm)
        need_oidc=1
      fi
      ;;
    schemathesis)
      # schemathesis, from PyPI, for the API's property-based test.
      if [ ! -x target/schemathesis/bin/st ]; then
        command -v python3 >/dev/null 2>&1 || missing+=(python3)
        python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
        need_schemathesis=1
      fi
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

if ((need_cargo_deb)); then
  echo "Installing cargo-deb from crates.io into target/cargo-deb" >&2
  cargo install --quiet --locked --root target/cargo-deb cargo-deb
fi

if ((need_axe)); then
  echo "Installing axe-core from the npm registry into target/npm" >&2
  mkdir -p target/npm
  (cd target/npm && npm install --no-audit --no-fund --silent axe-core@4 >/dev/null)
fi

if ((need_maildev)); then
  echo "Installing maildev from the npm registry into target/npm" >&2
  mkdir -p target/npm
  (cd target/npm && npm install --no-audit --no-fund --silent maildev@2 >/dev/null)
fi

if ((need_oidc)); then
  echo "Installing oidc-provider from the npm registry into target/npm" >&2
  mkdir -p target/npm
  (cd target/npm && npm install --no-audit --no-fund --silent oidc-provider@9 >/dev/null)
fi

if ((need_schemathesis)); then
  echo "Installing schemathesis from PyPI into target/schemathesis" >&2
  mkdir -p target
  python3 -m venv target/schemathesis
  target/schemathesis/bin/pip install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
fi
