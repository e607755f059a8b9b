#!/usr/bin/env bash
# Make sure promtool (Debian's `prometheus` package) is installed for the deploy tests, and Debian's `chromium`
# for the portal's browser tests (Playwright drives it; no browser download is possible); idempotent.
# The package's postinst would start a Prometheus daemon on :9090: a temporary policy-rc.d forbids
# that, and a daemon that started anyway (systemd) is stopped, so the tests own every Prometheus they run.
set -euo pipefail

PACKAGES=()
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then PACKAGES+=(prometheus); fi
if ! [ -x /usr/bin/chromium ]; then PACKAGES+=(chromium); fi
if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then PACKAGES+=(poppler-utils); fi  # the berita acara tests read the PDF
if ! command -v zbarimg >/dev/null 2>&1; then PACKAGES+=(zbar-tools); fi  # and decode its QR code
if [ ${#PACKAGES[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

was_running=0
if pgrep -x prometheus >/dev/null 2>&1; then was_running=1; fi

# Forbid service starts during the install unless a policy already does (Docker images ship one).
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

echo "tools: installing Debian's ${PACKAGES[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null

# If the package's daemon came up anyway, stop it (only when it was not running before we installed).
if [ "$was_running" = 0 ] && pgrep -x prometheus >/dev/null 2>&1; then
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/prometheus ]; then
    $SUDO /etc/init.d/prometheus stop >/dev/null 2>&1 || true
  fi
fi

promtool --version | head -1
/usr/bin/chromium --version
