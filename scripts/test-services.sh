#!/usr/bin/env bash
# What the test suite needs beyond Python packages: running PostgreSQL and Redis, Debian's chromium,
# Tesseract OCR with English and Simplified Chinese data (the image-import tests skip without it).
set -euo pipefail
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
fi
# Redis for the shared throttles (the tests use database 15 and keys of their own)
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && command -v redis-server >/dev/null; then
  redis-server --daemonize yes --save '' --bind 127.0.0.1 || true
fi
# chromium for the browser tests; a CJK font so screenshots of Chinese cases are legible
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "wenquanyi"; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      chromium fonts-wqy-zenhei) \
    || echo "warning: could not install chromium; browser tests will be skipped" >&2
fi
# Tesseract for OCR of scanned letters (tipline import --format image)
if ! command -v tesseract >/dev/null || ! tesseract --list-langs 2>/dev/null | grep -qx chi_sim; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim) \
    || echo "warning: could not install tesseract; OCR import tests will be skipped" >&2
fi
