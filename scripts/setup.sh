#!/usr/bin/env bash
# One-time setup of a fresh machine: npm packages (npm ci).
# Later steps add Debian packages the project needs.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
