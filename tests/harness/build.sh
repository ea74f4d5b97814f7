#!/usr/bin/env bash
# Build prodplan.so with PGXS (make -j2, WERROR passed through) and install it into PostgreSQL 15.
# Quiet on success (log: build/logs/build.log), the log tail on failure. As a user who cannot
# write PostgreSQL's directories: sudo -n make install, or print the command to run and fail.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
pp_build
