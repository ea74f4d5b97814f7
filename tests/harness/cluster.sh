#!/usr/bin/env bash
# Start and stop clusters by hand, with the same logic as the harness (tests/harness/lib.sh).
#   cluster.sh start [--no-preload] [--fsync]   start a throwaway cluster; prints its directory,
#                                               port and how to connect
#   cluster.sh stop DIR                         stop a throwaway cluster and delete it
#   cluster.sh status DIR                       running or not, port
#   cluster.sh psql DIR [psql args]             psql as postgres on that cluster
#   cluster.sh demo-start | demo-stop | demo-status   the persistent demo cluster
#   cluster.sh free-port                        the first free port from 54320
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

usage() {
  sed -n '2,/^set /p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
  start)
    pp_temp_cluster_start "$@"
    pp_say "cluster: $PP_CLUSTER_DIR (log: $PP_LOG)"
    pp_say "port:    $PP_PORT"
    pp_say "connect: psql -h $PP_SOCKDIR -p $PP_PORT -U postgres postgres"
    pp_say "stop:    $0 stop $PP_CLUSTER_DIR"
    ;;
  stop) [ $# -eq 1 ] || usage; pp_temp_cluster_stop "$1" ;;
  status)
    [ $# -eq 1 ] || usage
    pp_init_pg
    if pp_cluster_running "$1"; then pp_say "running on port $(pp_cluster_port "$1")"; else pp_say "not running"; exit 3; fi
    ;;
  psql) [ $# -ge 1 ] || usage; pp_init_pg; d=$1; shift; pp_cluster_psql "$d" "$@" ;;
  demo-start)
    pp_demo_start
    pp_say "demo cluster: $PP_DEMO_DIR, port $PP_DEMO_PORT"
    ;;
  demo-stop) pp_demo_stop ;;
  demo-status)
    pp_init_pg
    if pp_demo_find && pp_cluster_running "$PP_DEMO_DIR"; then
      pp_say "demo cluster running: $PP_DEMO_DIR, port $(pp_cluster_port "$PP_DEMO_DIR")"
    else
      pp_say "demo cluster not running"; exit 3
    fi
    ;;
  free-port) pp_free_port ;;
  *) usage ;;
esac
