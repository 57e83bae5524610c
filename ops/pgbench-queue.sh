#!/usr/bin/env bash
# The database's own limit for exactly KneeFlow's claim+complete SQL (pgbench, same number of
# clients) beside `kneeflow bench queue`, and COPY enqueue beside psql's \copy of the same rows
# into the same table. Uses DATABASE_URL, or the embedded cluster (`kneeflow db url`).
#
#   ops/pgbench-queue.sh                 # 4 clients, 20k jobs for kneeflow, 15 s of pgbench
#   CLIENTS=1 JOBS=10000 DURATION=10 ops/pgbench-queue.sh
set -euo pipefail
cd "$(dirname "$0")/.."
KNEEFLOW=${KNEEFLOW:-$(swift build -c release -Xswiftc -enable-testing --show-bin-path)/kneeflow}
CLIENTS=${CLIENTS:-4}
JOBS=${JOBS:-20000}
DURATION=${DURATION:-15}
PGB_JOBS=${PGB_JOBS:-250000}
BATCH=${BATCH:-1}

url=$("$KNEEFLOW" db up 2>/dev/null | tail -1)
psql=(psql -X -q -v ON_ERROR_STOP=1 "$url")
now() { date +%s.%N; }

echo "== kneeflow bench queue: $JOBS no-op jobs, $CLIENTS worker processes, batch $BATCH" >&2
kf_json=$(DATABASE_URL="$url" KNEEFLOW_LOG_LEVEL=warning "$KNEEFLOW" bench queue --jobs "$JOBS" --workers "$CLIENTS" --batch "$BATCH")
echo "$kf_json"

echo "== pgbench: $CLIENTS clients, ${DURATION}s, claim+complete from ops/pgbench/claim_complete.sql" >&2
run_id=$("${psql[@]}" -At -c "INSERT INTO kneeflow.runs (name, config, config_text, config_sha256, code_version)
    VALUES ('pgbench-' || clock_timestamp(), '{}', '{}', 'none', 'pgbench') RETURNING id")
"${psql[@]}" -c "INSERT INTO kneeflow.jobs (run_id, dataset, case_id, input_path, input_root)
    SELECT $run_id, 'bench', g::text, '/dev/null', '/dev' FROM generate_series(1, $PGB_JOBS) g" -c "ANALYZE kneeflow.jobs"
threads=$(( CLIENTS < 2 ? CLIENTS : 2 ))
pgb=$(pgbench -n -M prepared -f ops/pgbench/claim_complete.sql -D run="$run_id" -c "$CLIENTS" -j "$threads" -T "$DURATION" "$url" 2>&1)
echo "$pgb" | grep -E "^(tps|number of transactions actually processed|number of failed)" >&2
pgb_tps=$(echo "$pgb" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
"${psql[@]}" -c "DELETE FROM kneeflow.runs WHERE id = $run_id"

echo "== psql \\copy of $JOBS rows into kneeflow.jobs" >&2
tmp=$(mktemp)
copy_run=$("${psql[@]}" -At -c "INSERT INTO kneeflow.runs (name, config, config_text, config_sha256, code_version)
    VALUES ('copy-' || clock_timestamp(), '{}', '{}', 'none', 'psql') RETURNING id")
seq 0 $((JOBS - 1)) | awk -v r="$copy_run" '{ printf "%s\tbench\t%s\t/dev/null\t/dev\n", r, $1 }' > "$tmp"
t0=$(now)
"${psql[@]}" -c "\\copy kneeflow.jobs (run_id, dataset, case_id, input_path, input_root) FROM '$tmp'"
t1=$(now)
"${psql[@]}" -c "DELETE FROM kneeflow.runs WHERE id = $copy_run"
rm -f "$tmp"
copy_rps=$(echo "$JOBS / ($t1 - $t0)" | bc -l)

kf_tps=$(echo "$kf_json" | sed -n 's/.*"claim_complete_jobs_per_s" : \([0-9.]*\).*/\1/p')
kf_rps=$(echo "$kf_json" | sed -n 's/.*"enqueue_rows_per_s" : \([0-9.]*\).*/\1/p')
# pgbench counts one transaction per script run = one claim+complete pair.
printf '{"clients": %d, "batch": %d, "kneeflow_jobs_per_s": %.0f, "pgbench_jobs_per_s": %.0f, "ratio": %.3f, "kneeflow_copy_rows_per_s": %.0f, "psql_copy_rows_per_s": %.0f, "copy_ratio": %.3f}\n' \
  "$CLIENTS" "$BATCH" "$kf_tps" "$pgb_tps" "$(echo "$kf_tps / $pgb_tps" | bc -l)" "$kf_rps" "$copy_rps" "$(echo "$kf_rps / $copy_rps" | bc -l)"
