# shellcheck shell=bash
# shellcheck disable=SC2016,SC2034,SC2119,SC2120  # PP_* results are for the callers
# prodplan build/test harness: shared functions.
#
# Source this file from bash (`source "$PRODPLAN_HARNESS/lib.sh"`). It defines functions and a
# few PP_* variables; it changes no shell option, so it works with or without `set -euo pipefail`.
#
# Clusters made here:
#   * run the PostgreSQL 15 binaries; superuser `postgres`, trust authentication, no TCP
#     (listen_addresses = ''), the unix socket in the cluster's own directory (mode 0700);
#   * run as the calling user, or as `postgres` (PRODPLAN_SERVER_USER) when the caller is root;
#   * keep everything in one directory DIR: DIR/data (PGDATA), DIR/server.log, DIR/port,
#     DIR/harness.env (settings), DIR/.s.PGSQL.<port> (socket); the settings the harness owns are in
#     DIR/data/prodplan_harness.conf, included from postgresql.conf and rewritten on every start.
#
# Functions for tests (see tests/integration/README.md):
#   pp_temp_cluster_start [--no-preload] [--fsync]
#       initdb + start a throwaway cluster in a fresh /tmp/prodplan-XXXXXX; sets PP_CLUSTER_DIR,
#       PP_SOCKDIR (= PP_CLUSTER_DIR, use as PGHOST), PP_PORT, PP_PGDATA, PP_LOG. Returns non-zero
#       (and prints the server log tail) on failure.
#   pp_temp_cluster_stop DIR      stop that cluster and delete its directory.
#   pp_cluster_psql DIR ARGS...   psql -X as postgres on the cluster in DIR (database: postgres
#                                 unless ARGS name one with -d).
#   pp_cluster_port DIR           print the port of the cluster in DIR.
#   pp_cluster_running DIR        exit 0 if the cluster in DIR runs.
#   pp_cluster_stop DIR / pp_cluster_start DIR   stop / (re)start without deleting.
#   pp_as_server CMD...           run CMD as the server's OS user (from /).

PP_HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
PP_ROOT=$(cd "$PP_HARNESS_DIR/../.." && pwd -P)
PP_PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PP_PGBIN=/usr/lib/postgresql/15/bin
PP_PYTHON=/usr/bin/python3
PP_LOGDIR=$PP_ROOT/build/logs
PP_PORT_FIRST=54320
PP_PORT_LAST=54499
PP_DEB_PACKAGES=(postgresql-15 postgresql-server-dev-15 libeigen3-dev libxlsxwriter-dev libzip-dev
  libexpat1-dev zlib1g-dev libgtest-dev libbenchmark-dev cmake g++ make pkg-config python3-openpyxl)

# ---------------------------------------------------------------------------------------------
# Output and logs

pp_say()  { printf '%s\n' "$*"; }
pp_step() { printf '==> %s\n' "$*"; }
pp_err()  { printf 'error: %s\n' "$*" >&2; }

pp_is_root() { [ "$(id -u)" -eq 0 ]; }

pp_logdir() { mkdir -p "$PP_LOGDIR" && printf '%s\n' "$PP_LOGDIR"; }

# pp_run_logged LOG TAIL_LINES CMD...: run CMD with all output appended to LOG; on failure print
# the last TAIL_LINES lines of LOG to stderr and return CMD's status.
pp_run_logged() {
  local log=$1 lines=$2 rc=0
  shift 2
  mkdir -p "$(dirname "$log")"
  printf '\n$ %s\n' "$*" >>"$log"
  "$@" >>"$log" 2>&1 </dev/null || rc=$?
  pp_note_rc "$rc"
  if [ "$rc" -ne 0 ]; then
    {
      printf -- '---- last %s lines of %s ----\n' "$lines" "$log"
      tail -n "$lines" "$log"
      printf -- '---- end of %s (exit status %s) ----\n' "$log" "$rc"
    } >&2
  fi
  return "$rc"
}

# Ctrl-C: bash runs no INT trap when the child it waits for handles SIGINT itself (psql,
# pg_regress, timeout exit 130 instead of dying of the signal), so the harness also looks at
# exit statuses: 130 (SIGINT) or 143 (SIGTERM) sets PP_INTERRUPTED, and pp_exit_if_interrupted
# ends the script (its EXIT trap then stops its cluster).
PP_INTERRUPTED=''
pp_note_rc() {
  case ${1:-0} in 130 | 143) PP_INTERRUPTED=$1 ;; esac
  return 0
}
pp_exit_if_interrupted() {
  if [ -n "$PP_INTERRUPTED" ]; then
    echo
    pp_err "interrupted"
    exit "$PP_INTERRUPTED"
  fi
}

# make invoked from the harness must not inherit the outer `make test`'s flags (jobserver, -j).
pp_clean_make_env() {
  unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS || true
}

pp_werror_on() { [ -n "${WERROR:-}" ] && [ "${WERROR}" != 0 ]; }

pp_shared_dir() {
  if [ -n "${PRODPLAN_SHARED:-}" ]; then
    printf '%s\n' "$PRODPLAN_SHARED"
  else
    printf '%s/shared\n' "$(cd "$PP_ROOT/.." && pwd -P)"
  fi
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL binaries and the server's OS user

pp_init_pg() {
  if [ -x "$PP_PG_CONFIG" ]; then
    PP_PGBIN=$("$PP_PG_CONFIG" --bindir)
  elif command -v "$PP_PG_CONFIG" >/dev/null 2>&1; then
    PP_PG_CONFIG=$(command -v "$PP_PG_CONFIG")
    PP_PGBIN=$("$PP_PG_CONFIG" --bindir)
  fi
  if [ ! -x "$PP_PGBIN/initdb" ] || [ ! -x "$PP_PGBIN/pg_ctl" ]; then
    pp_err "PostgreSQL 15 server binaries not found in $PP_PGBIN (run: make deps)"
    return 1
  fi
}

pp_server_user() {
  if pp_is_root; then
    printf '%s\n' "${PRODPLAN_SERVER_USER:-postgres}"
  else
    id -un
  fi
}

pp_check_server_user() {
  local u
  u=$(pp_server_user)
  if ! id -u "$u" >/dev/null 2>&1; then
    pp_err "running as root, the server must run as an unprivileged user, but user '$u' does not exist (installing postgresql-15 creates it: make deps)"
    return 1
  fi
  if pp_is_root && [ "$(id -u "$u")" -eq 0 ]; then
    pp_err "server user '$u' is root; PostgreSQL refuses to run as root"
    return 1
  fi
}

# Run a command as the server's OS user, from / (the caller's directory may be private).
pp_as_server() {
  if pp_is_root; then
    (cd / && runuser -u "$(pp_server_user)" -- "$@")
  else
    "$@"
  fi
}

# Write stdin to FILE as the server user.
pp_server_write() {
  # shellcheck disable=SC2016
  pp_as_server sh -c 'cat > "$1"' sh "$1"
}

# mkdir -p DIR (mode 0700) owned by the server user.
pp_server_mkdir() {
  mkdir -p "$1"
  if pp_is_root; then chown "$(pp_server_user):" "$1"; fi
  chmod 700 "$1"
}

# ---------------------------------------------------------------------------------------------
# Ports

# pp_port_in_use PORT: something listens on TCP PORT or a unix socket .s.PGSQL.PORT exists.
pp_port_in_use() {
  local port=$1 hex
  hex=$(printf '%04X' "$port")
  if awk -v h="$hex" 'FNR > 1 && $4 == "0A" { n = split($2, a, ":"); if (a[n] == h) found = 1 }
                      END { exit found ? 0 : 1 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
    return 0
  fi
  if grep -qE "\.s\.PGSQL\.${port}\$" /proc/net/unix 2>/dev/null; then
    return 0
  fi
  if [ -e "/var/run/postgresql/.s.PGSQL.${port}" ] || [ -e "/tmp/.s.PGSQL.${port}" ]; then
    return 0
  fi
  if command -v ss >/dev/null 2>&1 && grep -q . <<<"$(ss -Hltn "sport = :$port" 2>/dev/null)"; then
    return 0
  fi
  return 1
}

# Print the first free port from PP_PORT_FIRST upward.
pp_free_port() {
  local p=$PP_PORT_FIRST
  while [ "$p" -le "$PP_PORT_LAST" ]; do
    if ! pp_port_in_use "$p"; then
      printf '%s\n' "$p"
      return 0
    fi
    p=$((p + 1))
  done
  pp_err "no free port in $PP_PORT_FIRST..$PP_PORT_LAST"
  return 1
}

# ---------------------------------------------------------------------------------------------
# Clusters (all paths absolute; DIR is owned by the server user, mode 0700)

pp_initdb_locale_args() {
  # Collation exactly C (deterministic order everywhere), character classes UTF-8 aware if
  # the C.UTF-8 locale exists (always on Debian 12).
  if grep -qiE '^c\.utf-?8$' <<<"$(locale -a 2>/dev/null)"; then
    printf '%s\n' --encoding=UTF8 --locale=C --lc-ctype=C.UTF-8
  else
    printf '%s\n' --encoding=UTF8 --locale=C
  fi
}

# The cluster directory belongs to the server user, so nothing in it is ever sourced: the
# settings are read back as plain numbers.
# pp_cluster_get DIR KEY: print setting KEY (PORT, PRELOAD, FSYNC) of DIR/harness.env.
pp_cluster_get() {
  local v
  v=$(sed -n "s/^PP_C_$2=\([0-9][0-9]*\)\$/\1/p" "$1/harness.env" 2>/dev/null | head -n 1)
  [ -n "$v" ] || { pp_err "$1/harness.env has no valid $2"; return 1; }
  printf '%s\n' "$v"
}

# pp_cluster_set DIR KEY VALUE: change one setting of DIR/harness.env.
pp_cluster_set() {
  local dir=$1 key=$2 value=$3 port preload fsync
  case $value in ''|*[!0-9]*) pp_err "pp_cluster_set: $key must be a number"; return 1 ;; esac
  port=$(pp_cluster_get "$dir" PORT) || return 1
  preload=$(pp_cluster_get "$dir" PRELOAD) || return 1
  fsync=$(pp_cluster_get "$dir" FSYNC) || return 1
  case $key in
    PORT) port=$value ;;
    PRELOAD) preload=$value ;;
    FSYNC) fsync=$value ;;
    *) pp_err "pp_cluster_set: unknown key $key"; return 1 ;;
  esac
  printf 'PP_C_PORT=%s\nPP_C_PRELOAD=%s\nPP_C_FSYNC=%s\n' "$port" "$preload" "$fsync" |
    pp_server_write "$dir/harness.env"
}

# pp_cluster_write_conf DIR: (re)write DIR/data/prodplan_harness.conf and DIR/port from
# DIR/harness.env.
pp_cluster_write_conf() {
  local dir=$1 port preload fsync
  port=$(pp_cluster_get "$dir" PORT) || return 1
  preload=''
  if [ "$(pp_cluster_get "$dir" PRELOAD)" = 1 ]; then preload=prodplan; fi
  fsync=off
  if [ "$(pp_cluster_get "$dir" FSYNC)" = 1 ]; then fsync=on; fi
  pp_server_write "$dir/data/prodplan_harness.conf" <<EOF || return 1
# Written by tests/harness/lib.sh on every start: edit harness.env in the cluster directory.
port = $port
listen_addresses = ''
unix_socket_directories = '$dir'
unix_socket_permissions = 0700
shared_preload_libraries = '$preload'
fsync = $fsync
synchronous_commit = $fsync
full_page_writes = $fsync
# Bulk loads (load_demo, ingestion, benchmarks) write a few GB of WAL: with the
# 1 GB default, checkpoints land mid-run and make timings swing by seconds.
max_wal_size = '8GB'
checkpoint_timeout = '30min'
timezone = 'UTC'
log_timezone = 'UTC'
lc_messages = 'C'
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  printf '%s\n' "$port" | pp_server_write "$dir/port"
}

# pp_cluster_create DIR PRELOAD(0|1) FSYNC(0|1): initdb into DIR/data. DIR must exist, owned by
# the server user (pp_server_mkdir).
pp_cluster_create() {
  local dir=$1 preload=$2 fsync=$3 port
  local -a loc
  pp_init_pg || return 1
  pp_check_server_user || return 1
  mapfile -t loc < <(pp_initdb_locale_args)
  port=$(pp_free_port) || return 1
  : | pp_server_write "$dir/.prodplan-cluster" || return 1
  # shellcheck disable=SC2016
  if ! pp_as_server sh -c 'log=$1; shift; exec "$@" >"$log" 2>&1' sh "$dir/initdb.log" \
      "$PP_PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust "${loc[@]}" --no-instructions; then
    pp_err "initdb failed for $dir/data:"
    tail -n 40 "$dir/initdb.log" >&2 || true
    return 1
  fi
  printf "\n# prodplan harness settings (port, socket, preload, fsync, ...)\ninclude 'prodplan_harness.conf'\n" |
    pp_as_server sh -c 'cat >> "$1"' sh "$dir/data/postgresql.conf" || return 1
  printf 'PP_C_PORT=%s\nPP_C_PRELOAD=%s\nPP_C_FSYNC=%s\n' "$port" "$preload" "$fsync" |
    pp_server_write "$dir/harness.env" || return 1
  pp_cluster_write_conf "$dir"
}

pp_cluster_running() {
  [ -f "$1/data/PG_VERSION" ] || return 1
  pp_as_server "$PP_PGBIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

# Port of the cluster in DIR: the running postmaster's, else the remembered one.
pp_cluster_port() {
  local dir=$1 p=''
  if [ -f "$dir/data/postmaster.pid" ] && pp_cluster_running "$dir"; then
    p=$(sed -n 4p "$dir/data/postmaster.pid" 2>/dev/null || true)
  fi
  case $p in ''|*[!0-9]*) p=$(pp_cluster_get "$dir" PORT 2>/dev/null || true) ;; esac
  printf '%s\n' "$p"
}

# pp_cluster_start DIR: start the cluster in DIR unless it runs; if its remembered port is now
# taken by something else, move it to a free port first.
pp_cluster_start() {
  local dir=$1 port
  pp_init_pg || return 1
  if pp_cluster_running "$dir"; then return 0; fi
  port=$(pp_cluster_get "$dir" PORT) || return 1
  if pp_port_in_use "$port"; then
    port=$(pp_free_port) || return 1
    pp_cluster_set "$dir" PORT "$port" || return 1
  fi
  pp_cluster_write_conf "$dir" || return 1
  # PP_MALLOC_PERTURB (make test sets it): the server runs with glibc's
  # MALLOC_PERTURB_, which overwrites memory as it is freed, so a result read
  # after its memory context was freed fails its test every time, not once in
  # a while (an exported report and ingest_workbook's sheet names did).
  local env_cmd=()
  [ -z "${PP_MALLOC_PERTURB:-}" ] || env_cmd=(env "MALLOC_PERTURB_=$PP_MALLOC_PERTURB")
  if ! pp_as_server "${env_cmd[@]}" "$PP_PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 -s start >/dev/null; then
    pp_err "the server in $dir/data did not start; last lines of $dir/server.log:"
    tail -n 60 "$dir/server.log" >&2 2>/dev/null || true
    return 1
  fi
}

pp_cluster_stop() {
  local dir=$1
  [ -f "$dir/data/PG_VERSION" ] || return 0
  pp_init_pg || return 1
  pp_cluster_running "$dir" || return 0
  if ! pp_as_server "$PP_PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop >/dev/null 2>&1; then
    pp_as_server "$PP_PGBIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 -s stop >/dev/null 2>&1 || true
  fi
  ! pp_cluster_running "$dir"
}

pp_cluster_psql() {
  local dir=$1
  shift
  PSQLRC=/dev/null "$PP_PGBIN/psql" -X -h "$dir" -p "$(pp_cluster_port "$dir")" -U postgres -d postgres "$@"
}

# pp_temp_cluster_start [--no-preload] [--fsync]: see the header.
pp_temp_cluster_start() {
  local preload=1 fsync=0 dir
  while [ $# -gt 0 ]; do
    case $1 in
      --no-preload) preload=0 ;;
      --preload) preload=1 ;;
      --fsync) fsync=1 ;;
      *) pp_err "pp_temp_cluster_start: unknown option $1"; return 1 ;;
    esac
    shift
  done
  pp_init_pg || return 1
  pp_check_server_user || return 1
  dir=$(mktemp -d /tmp/prodplan-XXXXXX) || return 1
  pp_server_mkdir "$dir"
  if ! pp_cluster_create "$dir" "$preload" "$fsync" || ! pp_cluster_start "$dir"; then
    pp_temp_cluster_stop "$dir" || true
    return 1
  fi
  PP_CLUSTER_DIR=$dir
  PP_SOCKDIR=$dir
  PP_PGDATA=$dir/data
  PP_LOG=$dir/server.log
  PP_PORT=$(pp_cluster_port "$dir")
}

# pp_temp_cluster_stop DIR: stop and delete a cluster made by pp_temp_cluster_start.
pp_temp_cluster_stop() {
  local dir=${1:-}
  case $dir in
    /tmp/prodplan-??????) ;;
    *) pp_err "pp_temp_cluster_stop: '$dir' is not a throwaway cluster directory"; return 1 ;;
  esac
  [ -d "$dir" ] || return 0
  [ -e "$dir/.prodplan-cluster" ] || [ ! -e "$dir/data" ] || {
    pp_err "pp_temp_cluster_stop: $dir was not made by the harness; not deleting it"
    return 1
  }
  pp_cluster_stop "$dir" || true
  rm -rf "$dir"
}

# ---------------------------------------------------------------------------------------------
# The persistent demo cluster: DEMO_DIR is "$PP_ROOT/.prodplan" when the server user can reach
# it, else /var/tmp/prodplan-demo-<hash of the checkout path>.

pp_path_hash() { printf '%s' "$PP_ROOT" | sha256sum | cut -c1-10; }

pp_demo_candidates() {
  printf '%s\n' "$PP_ROOT/.prodplan" "/var/tmp/prodplan-demo-$(pp_path_hash)"
}

# Set PP_DEMO_DIR to an existing demo cluster; return 1 if there is none.
pp_demo_find() {
  local d
  while IFS= read -r d; do
    if [ -f "$d/data/PG_VERSION" ]; then
      PP_DEMO_DIR=$d
      return 0
    fi
  done < <(pp_demo_candidates)
  return 1
}

# Set PP_DEMO_DIR to an existing demo cluster, or choose and prepare a directory for a new one.
pp_demo_locate() {
  local d v
  pp_demo_find && return 0
  d=$PP_ROOT/.prodplan
  # A unix socket path is limited to 107 bytes: ".s.PGSQL.54320" is 14 of them.
  if [ $((${#d} + 16)) -le 100 ]; then
    local made=0
    [ -d "$d" ] || made=1
    if mkdir -p "$d" 2>/dev/null; then
      if pp_is_root; then chown "$(pp_server_user):" "$d"; fi
      chmod 700 "$d"
      if pp_as_server test -d "$d" -a -w "$d" -a -x "$d" 2>/dev/null; then
        PP_DEMO_DIR=$d
        return 0
      fi
      if [ "$made" = 1 ]; then rmdir "$d" 2>/dev/null || true; fi
    fi
  fi
  v=/var/tmp/prodplan-demo-$(pp_path_hash)
  if [ -L "$v" ] || { [ -e "$v" ] && [ ! -d "$v" ]; }; then
    pp_err "$v exists and is not a directory; remove it"
    return 1
  fi
  if [ -d "$v" ] && [ "$(stat -c %U "$v")" != "$(pp_server_user)" ]; then
    pp_err "$v exists but belongs to $(stat -c %U "$v"), not $(pp_server_user); remove it"
    return 1
  fi
  pp_server_mkdir "$v"
  PP_DEMO_DIR=$v
}

# pp_demo_start: start (or reuse) the demo cluster, preloaded, fsync on. Sets PP_DEMO_DIR and
# PP_DEMO_PORT. A running cluster that preloaded another prodplan.so than the installed one is
# restarted, so that the preloaded library is the new one.
pp_demo_start() {
  local dir
  pp_init_pg || return 1
  pp_check_server_user || return 1
  pp_demo_locate || return 1
  dir=$PP_DEMO_DIR
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    pp_say "demo: creating a cluster in $dir"
    pp_cluster_create "$dir" 1 1 || return 1
  fi
  local lib sum=''
  lib=$("$PP_PG_CONFIG" --pkglibdir)/prodplan.so
  if [ -f "$lib" ]; then sum=$(sha256sum "$lib" | cut -c1-64); fi
  if pp_cluster_running "$dir"; then
    if [ -n "$sum" ] && [ "$sum" != "$(cat "$dir/loaded-library.sha256" 2>/dev/null || true)" ]; then
      pp_say "demo: a new prodplan.so was installed since the server started: restarting it"
      pp_cluster_stop "$dir" || return 1
    else
      pp_say "demo: reusing the running cluster in $dir"
    fi
  fi
  if ! pp_cluster_running "$dir"; then
    pp_cluster_start "$dir" || return 1
    printf '%s\n' "$sum" | pp_server_write "$dir/loaded-library.sha256"
  fi
  PP_DEMO_PORT=$(pp_cluster_port "$dir")
}

pp_demo_stop() {
  pp_init_pg 2>/dev/null || { pp_say "no demo cluster (PostgreSQL 15 is not installed)"; return 0; }
  local found=0
  if pp_demo_find; then
    found=1
    if pp_cluster_running "$PP_DEMO_DIR"; then
      pp_cluster_stop "$PP_DEMO_DIR" || return 1
      pp_say "demo cluster stopped ($PP_DEMO_DIR); 'make demo' starts it again, 'rm -rf $PP_DEMO_DIR' deletes it"
    else
      pp_say "the demo cluster in $PP_DEMO_DIR is not running"
    fi
  fi
  [ "$found" = 1 ] || pp_say "no demo cluster for this checkout (looked in: $(pp_demo_candidates | tr '\n' ' '))"
}

# ---------------------------------------------------------------------------------------------
# Steps shared by the scripts

# pp_deps: install or report the missing Debian packages.
# pp_deps [PACKAGE...]: the packages every command needs, plus the given ones
# (make bench adds its peers' packages).
pp_deps() {
  local p missing=() log
  local packages=("${PP_DEB_PACKAGES[@]}" "$@")
  if ! command -v dpkg-query >/dev/null 2>&1; then
    pp_err "dpkg-query not found: this harness expects Debian 12 (install the packages by hand: ${packages[*]})"
    return 1
  fi
  for p in "${packages[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    pp_say "deps: all ${#packages[@]} Debian packages installed"
    return 0
  fi
  if ! pp_is_root; then
    pp_err "missing Debian packages: ${missing[*]}; install them with:"
    printf 'sudo apt-get install -y --no-install-recommends %s\n' "${missing[*]}" >&2
    return 1
  fi
  log=$(pp_logdir)/deps.log
  pp_say "deps: installing ${missing[*]} (log: $log)"
  pp_run_logged "$log" 60 apt-get update || { pp_err "apt-get update failed"; return 1; }
  pp_run_logged "$log" 60 env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends "${missing[@]}" || { pp_err "apt-get install failed"; return 1; }
  pp_say "deps: installed ${missing[*]}"
}

# pp_installed_current: the installed prodplan files equal the built ones.
pp_installed_current() {
  local pkglib share f
  pkglib=$("$PP_PG_CONFIG" --pkglibdir) share=$("$PP_PG_CONFIG" --sharedir)/extension
  cmp -s "$PP_ROOT/prodplan.so" "$pkglib/prodplan.so" || return 1
  cmp -s "$PP_ROOT/prodplan.control" "$share/prodplan.control" || return 1
  for f in "$PP_ROOT"/migrations/prodplan--*.sql; do
    [ -e "$f" ] || continue
    cmp -s "$f" "$share/$(basename "$f")" || return 1
  done
}

# pp_build: make + make install (PGXS), quiet unless it fails.
pp_build() {
  local log mkvars=() pkglib share
  pp_clean_make_env
  pp_init_pg || return 1
  log=$(pp_logdir)/build.log
  : >"$log"
  if pp_werror_on; then mkvars=(WERROR=1); else mkvars=(WERROR=); fi
  # with_llvm=no on the command line: PGXS decides at parse time whether to compile LLVM
  # bitcode with clang (which knows no -std=c++20 there), so only a command-line value wins.
  mkvars+=(with_llvm=no)
  # UNITY=1: a one-shot build compiles the core one translation unit per folder (see the
  # Makefile), under half the CPU; make install must be given it too, or it would build the
  # per-file objects it names.
  mkvars+=(UNITY=1)
  pp_say "build: make -j2 PG_CONFIG=$PP_PG_CONFIG ${mkvars[*]} (log: $log)"
  pp_run_logged "$log" 100 make -C "$PP_ROOT" -j2 PG_CONFIG="$PP_PG_CONFIG" "${mkvars[@]}" || {
    pp_err "the build failed (full log: $log)"
    return 1
  }
  pkglib=$("$PP_PG_CONFIG" --pkglibdir) share=$("$PP_PG_CONFIG" --sharedir)
  if pp_is_root || { [ -w "$pkglib" ] && [ -w "$share/extension" ]; }; then
    pp_run_logged "$log" 60 make -C "$PP_ROOT" install PG_CONFIG="$PP_PG_CONFIG" "${mkvars[@]}" || {
      pp_err "make install failed (full log: $log)"
      return 1
    }
  elif pp_installed_current; then
    pp_say "build: the installed prodplan files are already up to date"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    pp_run_logged "$log" 60 sudo -n make -C "$PP_ROOT" install PG_CONFIG="$PP_PG_CONFIG" "${mkvars[@]}" || {
      pp_err "sudo make install failed (full log: $log)"
      return 1
    }
  else
    pp_err "built, but cannot install: $pkglib and $share/extension are not writable by $(id -un) and passwordless sudo is not available. Install with:"
    printf 'sudo make -C %q install PG_CONFIG=%s with_llvm=no UNITY=1\n' "$PP_ROOT" "$PP_PG_CONFIG" >&2
    pp_say "(or make those directories writable for $(id -un)), then run this again." >&2
    return 1
  fi
  pp_say "build: ok, installed into $pkglib and $share/extension"
}

# pp_gtest_shards BINARY OUT: runs a GoogleTest binary as two shards at once (each about half
# the tests), their output one after the other in OUT. Sets PP_UNIT_PASSED, PP_UNIT_FAILED,
# PP_UNIT_SKIPPED and PP_UNIT_FAILED_NAMES over both, and PP_GTEST_DIED: empty when both shards
# ran to their summary, else the tests left running (a crash or a sanitizer abort) or "?".
# Returns the last non-zero exit status of a shard.
pp_gtest_shards() {
  local bin=$1 out=$2 shard shard_rc rc=0 pids=()
  PP_UNIT_PASSED=0 PP_UNIT_FAILED=0 PP_UNIT_SKIPPED=0 PP_UNIT_FAILED_NAMES='' PP_GTEST_DIED=''
  for shard in 0 1; do
    GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=$shard "$bin" --gtest_color=no >"$out.$shard" 2>&1 </dev/null &
    pids+=($!)
  done
  for shard in 0 1; do
    shard_rc=0
    wait "${pids[$shard]}" || shard_rc=$?
    [ "$shard_rc" -eq 0 ] || rc=$shard_rc
  done
  cat "$out.0" "$out.1" >"$out" && rm -f "$out.0" "$out.1"
  if [ "$(grep -cE '^\[==========\] [0-9]+ tests? from .* ran\.' "$out" || true)" -ne 2 ]; then
    PP_GTEST_DIED=$(grep -E '^\[ RUN      \]|^\[       OK \]|^\[  FAILED  \]|^\[  SKIPPED \]' "$out" |
      awk '/^\[ RUN/ { sub(/^\[ RUN      \] /, ""); open[$0] = 1; next } { sub(/^\[[^]]*\] /, ""); sub(/, where .*$/, ""); sub(/ \(.*$/, ""); delete open[$0] }
           END { for (t in open) print t }' | sort | paste -sd ' ' -)
    PP_GTEST_DIED=${PP_GTEST_DIED:-?}
    return "$((rc == 0 ? 1 : rc))"
  fi
  pp_gtest_sum() { sed -nE "$1" "$out" | awk '{ s += $1 } END { print s + 0 }'; }
  PP_UNIT_PASSED=$(pp_gtest_sum 's/^\[  PASSED  \] ([0-9]+) tests?\..*/\1/p')
  PP_UNIT_FAILED=$(pp_gtest_sum 's/^\[  FAILED  \] ([0-9]+) tests?, listed below:.*/\1/p')
  # Tests that skip themselves (GTEST_SKIP: ../shared absent) are neither.
  PP_UNIT_SKIPPED=$(pp_gtest_sum 's/^\[  SKIPPED \] ([0-9]+) tests?, listed below:.*/\1/p')
  PP_UNIT_FAILED_NAMES=$(sed -nE 's/^\[  FAILED  \] ([A-Za-z0-9_]+\.[A-Za-z0-9_/]+).*/\1/p' "$out" | sort -u |
    head -n 20 | paste -sd ' ' -)
  return "$rc"
}

# pp_unit_sanitized: the unit tests built with AddressSanitizer and UndefinedBehaviorSanitizer
# (build/cmake-sanitize; -O1, assertions on, the core as a unity build: a one-shot build about
# as long as the plain one) and run as two processes, each a GoogleTest shard of about half the
# tests, at once (ctest's process per test costs 0.5 s each under ASan: 3 minutes instead of 1;
# one process leaves a core idle once the database tests are done). A shard that dies (a
# sanitizer report aborts it) names the test that was running, then ctest runs every test on
# its own so that each failure is attributed. Sets PP_UNIT_PASSED, PP_UNIT_FAILED and
# PP_UNIT_FAILED_NAMES like pp_unit.
pp_unit_sanitized() {
  local bdir=$PP_ROOT/build/cmake-sanitize log out shared werror=OFF rc=0
  PP_UNIT_PASSED=0 PP_UNIT_FAILED=0 PP_UNIT_FAILED_NAMES='' PP_UNIT_SKIPPED=0
  pp_clean_make_env
  log=$(pp_logdir)/unit-sanitize-build.log
  out=$(pp_logdir)/unit-sanitize.log
  : >"$log"
  shared=$(pp_shared_dir)
  export PRODPLAN_SHARED=$shared
  if pp_werror_on; then werror=ON; fi
  if [ -f "$bdir/CMakeCache.txt" ]; then
    [ "$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$bdir/CMakeCache.txt")" = "$PP_ROOT" ] || rm -rf "$bdir"
  fi
  pp_say "unit: ASan + UBSan build in ${bdir#"$PP_ROOT"/} (log: $log)"
  if ! pp_run_logged "$log" 100 cmake -S "$PP_ROOT" -B "$bdir" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1" -DPRODPLAN_SANITIZE=ON -DPRODPLAN_UNITY=ON \
        -DPRODPLAN_WERROR="$werror" -DPRODPLAN_SHARED="$shared" ||
     ! pp_run_logged "$log" 100 cmake --build "$bdir" -j2 --target prodplan_unit; then
    pp_err "the sanitized unit-test build failed (full log: $log)"
    PP_UNIT_FAILED=1 PP_UNIT_FAILED_NAMES='(cmake build)'
    return 1
  fi
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 pp_gtest_shards "$bdir/prodplan_unit" "$out" || rc=$?
  pp_note_rc "$rc"
  if [ -z "$PP_GTEST_DIED" ]; then
    # Passed and failed but a leak report after them (LeakSanitizer runs at exit).
    if [ "$rc" -ne 0 ] && [ "$PP_UNIT_FAILED" = 0 ]; then PP_UNIT_FAILED=1 PP_UNIT_FAILED_NAMES='(exit: leak?)'; fi
  else
    pp_err "the sanitized unit tests died in $PP_GTEST_DIED (log: $out); running each test on its own"
    grep -E 'ERROR: |runtime error|SUMMARY' "$out" | head -n 5 >&2 || true
    pp_unit "$bdir" Release
    return $?
  fi
  if [ "$PP_UNIT_FAILED" -gt 0 ]; then
    pp_say "---- failures (full output: $out) ----"
    grep -E '^\[  FAILED  \]|Failure|runtime error|ERROR: ' "$out" | head -n 100 || true
    pp_say "unit (ASan + UBSan): $PP_UNIT_PASSED passed, $PP_UNIT_FAILED failed"
    return 1
  fi
  pp_say "unit (ASan + UBSan): $PP_UNIT_PASSED passed, 0 failed$([ "$PP_UNIT_SKIPPED" = 0 ] || echo ", $PP_UNIT_SKIPPED skipped")"
}

# pp_unit [BUILD_DIR BUILD_TYPE]: build the core with cmake and run ctest. Sets PP_UNIT_PASSED,
# PP_UNIT_FAILED and PP_UNIT_FAILED_NAMES; returns non-zero if anything failed.
pp_unit() {
  local bdir=${1:-$PP_ROOT/build/cmake} btype=${2:-RelWithDebInfo} log ctlog shared werror=OFF
  local line home rc=0
  PP_UNIT_PASSED=0 PP_UNIT_FAILED=0 PP_UNIT_FAILED_NAMES=''
  pp_clean_make_env
  log=$(pp_logdir)/unit-build.log
  ctlog=$(pp_logdir)/ctest.log
  : >"$log"
  shared=$(pp_shared_dir)
  export PRODPLAN_SHARED=$shared
  if pp_werror_on; then werror=ON; fi
  # Only what the tests need (not the benchmarks), when there are tests.
  local -a target=()
  if compgen -G "$PP_ROOT/tests/unit/*.cpp" >/dev/null; then target=(--target prodplan_unit); fi
  # A build directory configured for another checkout path (a copied tree) cannot be reused.
  if [ -f "$bdir/CMakeCache.txt" ]; then
    home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$bdir/CMakeCache.txt")
    [ "$home" = "$PP_ROOT" ] || rm -rf "$bdir"
  fi
  pp_say "unit: cmake $btype build in ${bdir#"$PP_ROOT"/} (log: $log)"
  if ! pp_run_logged "$log" 100 cmake -S "$PP_ROOT" -B "$bdir" -DCMAKE_BUILD_TYPE="$btype" \
        -DPRODPLAN_WERROR="$werror" -DPRODPLAN_SHARED="$shared" ||
     ! pp_run_logged "$log" 100 cmake --build "$bdir" -j2 "${target[@]}"; then
    pp_err "the unit-test build failed (full log: $log)"
    PP_UNIT_FAILED=1 PP_UNIT_FAILED_NAMES='(cmake build)'
    return 1
  fi
  ctest --test-dir "$bdir" --output-on-failure --timeout "${PRODPLAN_CTEST_TIMEOUT:-300}" \
    -j "${PRODPLAN_CTEST_JOBS:-1}" >"$ctlog" 2>&1 </dev/null || rc=$?
  pp_note_rc "$rc"
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$ctlog" | tail -n 1 || true)
  if [ -n "$line" ]; then
    local total failed
    failed=$(sed -E 's/^[0-9]+% tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    total=$(sed -E 's/^[0-9]+% tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
    PP_UNIT_FAILED=$failed
    PP_UNIT_PASSED=$((total - failed))
    PP_UNIT_FAILED_NAMES=$(sed -n '/The following tests FAILED:/,$p' "$ctlog" |
      sed -nE 's/^[[:space:]]*[0-9]+ - ([^ ]+).*/\1/p' | head -n 20 | paste -sd ' ' -)
  elif grep -q 'No tests were found' "$ctlog"; then
    :
  elif [ "$rc" -ne 0 ]; then
    PP_UNIT_FAILED=1 PP_UNIT_FAILED_NAMES='(ctest)'
  fi
  if [ "$PP_UNIT_FAILED" -gt 0 ] || [ "$rc" -ne 0 ]; then
    pp_say "---- ctest output without the passed tests ----"
    grep -vE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* +Passed +|^ +Start +[0-9]+: ' "$ctlog" | head -n 300 || true
    pp_say "---- full output: $ctlog ----"
    [ "$PP_UNIT_FAILED" -gt 0 ] || PP_UNIT_FAILED=1
    pp_say "unit: $PP_UNIT_PASSED passed, $PP_UNIT_FAILED failed"
    return 1
  fi
  pp_say "unit: $PP_UNIT_PASSED passed, 0 failed"
}

# pp_test_env CLUSTER_DIR SCRATCH: print the environment of integration tests and benchmarks as
# NAME=VALUE lines (for `env`).
pp_test_env_args() {
  local dir=$1 scratch=$2
  printf '%s\n' \
    "PGHOST=$dir" \
    "PGPORT=$(pp_cluster_port "$dir")" \
    "PGUSER=postgres" \
    "PGDATABASE=postgres" \
    "PSQLRC=/dev/null" \
    "PRODPLAN_ROOT=$PP_ROOT" \
    "PRODPLAN_SHARED=$(pp_shared_dir)" \
    "PYTHON=$PP_PYTHON" \
    "PRODPLAN_SCRATCH=$scratch" \
    "PRODPLAN_HARNESS=$PP_HARNESS_DIR" \
    "PRODPLAN_SERVER_USER=$(pp_server_user)" \
    "PG_BINDIR=$PP_PGBIN" \
    "PATH=$PP_PGBIN:$PATH"
}

# pp_run_script SCRIPT CLUSTER_DIR LOG [TIMEOUT]: run one test/bench script with the test
# environment, from the repo root, output to LOG; prints nothing; returns the script's status.
pp_run_script() {
  local script=$1 dir=$2 log=$3 timeout=${4:-${PRODPLAN_TEST_TIMEOUT:-900}} name scratch rc=0
  local -a envs
  name=$(basename "$script" .sh)
  scratch=$dir/scratch/$name
  rm -rf "$scratch"
  pp_server_mkdir "$dir/scratch"
  pp_server_mkdir "$scratch"
  mapfile -t envs < <(pp_test_env_args "$dir" "$scratch")
  mkdir -p "$(dirname "$log")"
  (
    cd "$PP_ROOT" &&
      exec env -u PGPASSWORD -u PGSERVICE -u PGOPTIONS -u PGSSLMODE -u PGHOSTADDR -u PGDATA \
        "${envs[@]}" timeout --foreground -k 10 "$timeout" bash "$script"
  ) >"$log" 2>&1 </dev/null || rc=$?
  pp_note_rc "$rc"
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    printf '\n[harness] %s timed out after %ss\n' "$name" "$timeout" >>"$log"
  fi
  return "$rc"
}
