#!/usr/bin/env bash
# make deps: check the Debian packages prodplan needs; as root install the missing ones, as
# another user print the apt-get line to run and fail.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
pp_deps
