#!/usr/bin/env bash
# Prepares a Temporal cluster for the engine, in two steps (each idempotent: run them again at every deploy):
#
#   deploy/temporal-setup.sh schema      before the first start of the server: creates the two PostgreSQL databases
#                                        and applies (or upgrades to) the server's schemas with temporal-sql-tool
#   deploy/temporal-setup.sh namespace   once the frontend answers: creates the namespace and the order workflows'
#                                        search attributes, and waits until the cluster serves both
#
# Settings (environment; the same names deploy/temporal/config/base.yaml and the engine read):
#   TEMPORAL_DB_HOST (127.0.0.1) TEMPORAL_DB_PORT (5432) TEMPORAL_DB_USER (temporal) TEMPORAL_DB_PASSWORD
#   TEMPORAL_DB_NAME (temporal) TEMPORAL_VISIBILITY_DB_NAME (temporal_visibility)
#   TEMPORAL_ADDRESS (127.0.0.1:7233) TEMPORAL_NAMESPACE (default) TEMPORAL_RETENTION (30d)
#   TEMPORAL_TLS_CA TEMPORAL_TLS_CERT TEMPORAL_TLS_KEY TEMPORAL_TLS_SERVER_NAME (mTLS: PEM paths, as for the engine)
#   TEMPORAL_SQL_TOOL, TEMPORAL_CLI: the binaries (default: on PATH, else the ones `npm run tools` caches)
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/amazon-pay-engine}"
pick() { command -v "$1" 2>/dev/null || echo "$2"; }
SQL_TOOL=${TEMPORAL_SQL_TOOL:-$(pick temporal-sql-tool "$cache/temporal-server-1.29.1/temporal-sql-tool")}
CLI=${TEMPORAL_CLI:-$(pick temporal "$cache/temporal-cli-1.5.1/temporal")}
say() { printf '[temporal-setup] %s\n' "$*"; }

schema() {
  local db
  sql() { "$SQL_TOOL" --plugin postgres12 --ep "${TEMPORAL_DB_HOST:-127.0.0.1}" -p "${TEMPORAL_DB_PORT:-5432}" \
    -u "${TEMPORAL_DB_USER:-temporal}" ${TEMPORAL_DB_PASSWORD:+--pw "$TEMPORAL_DB_PASSWORD"} --db "$db" "$@"; }
  for pair in "${TEMPORAL_DB_NAME:-temporal}:temporal" "${TEMPORAL_VISIBILITY_DB_NAME:-temporal_visibility}:visibility"; do
    db=${pair%%:*}
    local out
    if ! out=$(sql create-database 2>&1); then
      grep -q 'already exists' <<<"$out" || { echo "$out" >&2; exit 1; }
    fi
    # Version tables (a no-op when present), then every versioned step up to the newest this server knows.
    sql setup-schema -v 0.0 >/dev/null
    sql update-schema --schema-name "postgresql/v12/${pair##*:}" >/dev/null
    say "database $db: schema postgresql/v12/${pair##*:} up to date"
  done
}

namespace() {
  local ns=${TEMPORAL_NAMESPACE:-default}
  local cli=("$CLI" --address "${TEMPORAL_ADDRESS:-127.0.0.1:7233}" --namespace "$ns")
  [ -n "${TEMPORAL_TLS_CA:-}" ] && cli+=(--tls-ca-path "$TEMPORAL_TLS_CA")
  [ -n "${TEMPORAL_TLS_CERT:-}" ] && cli+=(--tls-cert-path "$TEMPORAL_TLS_CERT" --tls-key-path "$TEMPORAL_TLS_KEY")
  [ -n "${TEMPORAL_TLS_SERVER_NAME:-}" ] && cli+=(--tls-server-name "$TEMPORAL_TLS_SERVER_NAME")
  # Seconds pass between the frontend's start and its first answer, and between a namespace's creation and the moment
  # every service knows it (each refreshes its namespace cache on its own clock): wait for each, bounded.
  wait_for() { local what=$1; shift; for _ in $(seq 1 60); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done; say "gave up waiting for $what"; "$@"; }
  wait_for "the frontend at ${TEMPORAL_ADDRESS:-127.0.0.1:7233}" "${cli[@]}" operator cluster health
  if "${cli[@]}" operator namespace describe >/dev/null 2>&1; then
    say "namespace $ns exists"
  else
    "${cli[@]}" operator namespace create --retention "${TEMPORAL_RETENTION:-30d}" >/dev/null
    say "namespace $ns created (retention ${TEMPORAL_RETENTION:-30d})"
  fi
  # describe reads the database; the attribute list needs the frontend's namespace cache to know it too.
  wait_for "namespace $ns" "${cli[@]}" operator search-attribute list
  local have
  have=$("${cli[@]}" operator search-attribute list)
  while read -r name type; do
    if grep -qw "$name" <<<"$have"; then say "search attribute $name exists"; continue; fi
    wait_for "search attribute $name" "${cli[@]}" operator search-attribute create --name "$name" --type "$type"
    say "search attribute $name ($type) created"
  done < <(npx --no-install tsx scripts/search-attributes.ts)
  # Served once a visibility query may name every attribute.
  local query
  query=$(npx --no-install tsx scripts/search-attributes.ts | awk '$2 == "Keyword" { printf "%s%s = \"setup-check\"", sep, $1; sep = " AND " }')
  wait_for "the search attributes in visibility queries" "${cli[@]}" workflow count --query "$query"
  say "namespace $ns is ready for the engine"
}

case "${1:-}" in
  schema) schema ;;
  namespace) namespace ;;
  *) echo "usage: $0 schema|namespace" >&2; exit 2 ;;
esac
