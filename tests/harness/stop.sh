#!/usr/bin/env bash
# make stop: stop this checkout's demo cluster if it runs (.prodplan/ in the checkout, or
# /var/tmp/prodplan-demo-<hash>); fine if there is none.
set -euo pipefail
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/cluster.sh" demo-stop
