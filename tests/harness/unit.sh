#!/usr/bin/env bash
# make unit: configure and build the PostgreSQL-free core and its GoogleTest suite with cmake
# (build/cmake, RelWithDebInfo, -DPRODPLAN_WERROR=ON when WERROR=1), run ctest and report
# "unit: N passed, M failed". PRODPLAN_SHARED (default: <repo>/../shared) reaches the tests.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
pp_unit
