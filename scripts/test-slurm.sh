#!/usr/bin/env bash
# The Slurm templates on a real Slurm: a one-node cluster on this host (Debian's
# slurmctld and slurmd, munge for authentication, no accounting, no cgroups) runs, on an
# 8-frame synthetic reel:
#   - deploy/slurm/submit-shards.sh: the shard array, then the merge that depends on it;
#     every task and the merge must complete, OUT/shards hold one catalog per shard, the
#     manifest lists the 8 frames and `reelpack verify OUT --source SCANS` is clean;
#   - deploy/slurm/submit-workers.sh against a throwaway PostgreSQL
#     (scripts/pg-test-server.sh, on a Unix socket): queue submit, two workers as an
#     array, the export after them; the workers and the export must complete and
#     `reelpack verify` of the exported folder is clean.
# Everything it starts (munged, slurmctld, slurmd, PostgreSQL) runs from a temporary
# folder with its own key, socket, ports and state, and is stopped on exit; the
# machine's own munge, Slurm or PostgreSQL, if any, are left alone.
#
#   scripts/test-slurm.sh [--smoke] [--no-queue] [--keep]
#
# --smoke runs a trivial array and a dependent job instead of Reelpack (checks the
# cluster alone). --no-queue leaves the queue out. --keep leaves the temporary folder
# (logs, reel, outputs) for a look. Needs root: slurmd starts each job as the
# submitting user. REELPACK_BIN names the binary to test (default: the debug build,
# built if missing). Installs slurmctld, slurmd, slurm-client and munge from Debian
# when they are missing (PostgreSQL comes with scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

smoke="" keep="" queue=1
for arg in "$@"; do
  case "$arg" in
    --smoke)    smoke=1 ;;
    --no-queue) queue="" ;;
    --keep)     keep=1 ;;
    *) echo "usage: scripts/test-slurm.sh [--smoke] [--no-queue] [--keep]" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" -ne 0 ]; then
  echo "test-slurm: needs root (slurmd runs each job as the user who submitted it); run it with sudo" >&2
  exit 1
fi
started=$(date +%s)

# --- install --------------------------------------------------------------------------
missing=()
for p in slurmctld slurmd slurm-client munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ -z "$smoke" ]; then
  bin=${REELPACK_BIN:-}
  if [ -z "$bin" ]; then
    swift build --product reelpack 2>&1 | tail -n 3
    bin="$(swift build --show-bin-path)/reelpack"
  fi
  [ -x "$bin" ] || { echo "test-slurm: no reelpack binary at $bin" >&2; exit 1; }
fi

# --- a one-node cluster in a temporary folder -----------------------------------------
work=$(mktemp -d /tmp/reelpack-slurm.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/munge-key" "$work/munge-run" "$work/state" "$work/spool" "$work/log"
chmod 700 "$work/munge-key"
chmod 755 "$work/munge-run"

stop() {
  local status=$?
  if [ -n "${pg_started:-}" ]; then
    REELPACK_PG_DIR="$work/pg" bash scripts/pg-test-server.sh stop > /dev/null 2>&1 || true
  fi
  for pidfile in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge-run/munged.pid"; do
    if [ -s "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  # The daemons remove their pid files as they exit; give them a few seconds.
  for _ in $(seq 1 20); do
    [ -e "$work/slurmd.pid" ] || [ -e "$work/slurmctld.pid" ] || break
    sleep 0.5
  done
  if [ -n "$keep" ] || [ $status -ne 0 ]; then
    echo "test-slurm: logs, reel and output kept in $work"
  else
    rm -rf "$work"
  fi
  exit $status
}
trap stop EXIT

fail() {
  echo "test-slurm: FAILED: $*" >&2
  for log in "$work"/log/*.log "$work"/jobs*/*.log; do
    [ -f "$log" ] || continue
    echo "--- $log (last lines)" >&2
    tail -n 25 "$log" >&2
  done
  exit 1
}

head -c 1024 /dev/urandom > "$work/munge-key/munge.key"
chmod 400 "$work/munge-key/munge.key"
munged --key-file="$work/munge-key/munge.key" --socket="$work/munge-run/munge.socket" \
  --pid-file="$work/munge-run/munged.pid" --log-file="$work/log/munged.log" \
  --seed-file="$work/munge-key/munged.seed" || fail "munged did not start"

host=$(hostname -s)
cpus=$(nproc)
memory_mb=$(( $(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo) * 9 / 10 ))
port=${SLURM_TEST_PORT:-16817}
cat > "$work/slurm.conf" <<EOF
# One node on this host for the templates' test: no accounting, no cgroups.
ClusterName=reelpacktest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$work/munge-run/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# Finished jobs stay visible to scontrol for the checks below (no accounting database).
MinJobAge=3600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"

ready=""
for _ in $(seq 1 60); do
  state=$(sinfo -h -n "$host" -o '%t' 2>/dev/null || true)
  if [ "$state" = "idle" ]; then ready=1; break; fi
  sleep 0.5
done
[ -n "$ready" ] || fail "node $host not idle after 30 s (sinfo: ${state:-no answer})"
echo "slurm: node $host idle, $cpus CPUs, ${memory_mb} MB ($(( $(date +%s) - started )) s since start)"

# Waits until a job has left the queue; prints its tasks' states, one word each, sorted.
states_of() {
  local job=$1 deadline=$(( $(date +%s) + ${2:-900} ))
  while squeue -h -j "$job" 2>/dev/null | grep -q .; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "job $job still queued or running after ${2:-900} s"
    sleep 1
  done
  scontrol show job "$job" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//'
}

# Waits for a job and checks that it and all its array tasks completed.
wait_for() {
  local states
  states=$(states_of "$@")
  if [ -z "$states" ] || echo "$states" | tr ' ' '\n' | grep -q -v '^COMPLETED$'; then
    fail "job $1 did not complete: ${states:-no state}"
  fi
  echo "slurm: job $1: $states"
}

mkdir -p "$work/jobs"
if [ -n "$smoke" ]; then
  cat > "$work/array.sbatch" <<'EOF'
#!/bin/bash
#SBATCH --mem=64M
echo "task $((SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1)) of $SLURM_ARRAY_TASK_COUNT"
EOF
  array=$(sbatch --parsable --array=1-4 --output="$work/jobs/task-%a.log" "$work/array.sbatch")
  after=$(sbatch --parsable --dependency="afterok:${array%%;*}" --mem=64M \
    --output="$work/jobs/after.log" --wrap="cat $work/jobs/task-*.log")
  wait_for "${after%%;*}" 120
  [ "$(wc -l < "$work/jobs/after.log")" -eq 4 ] || fail "the dependent job saw $(wc -l < "$work/jobs/after.log") of 4 array tasks' logs"
  echo "test-slurm: smoke passed in $(( $(date +%s) - started )) s"
  exit 0
fi

# --- the templates on an 8-frame reel ---------------------------------------------------
"$bin" synth -o "$work/scans" --frames 8 --size 512x270 --bits 10 --kind grain > "$work/log/synth.log" 2>&1 \
  || fail "reelpack synth failed"
submitted=$(date +%s)
output=$(REELPACK="$bin" bash deploy/slurm/submit-shards.sh "$work/scans" "$work/out" \
  --profile C1 --shards 4 --cpus 1 --mem 1G --logs "$work/jobs") || fail "submit-shards.sh failed: $output"
echo "$output"
shards_job=$(echo "$output" | sed -n 's/^shards: job \([0-9]*\).*/\1/p')
merge_job=$(echo "$output" | sed -n 's/^merge: job \([0-9]*\).*/\1/p')
if [ -z "$shards_job" ] || [ -z "$merge_job" ]; then fail "submit-shards.sh printed no job ids"; fi
wait_for "$shards_job"
wait_for "$merge_job"
echo "slurm: shards and merge done in $(( $(date +%s) - submitted )) s"

catalogs=$(find "$work/out/shards" -name '*.sqlite' | wc -l)
[ "$catalogs" -eq 4 ] || fail "OUT/shards holds $catalogs catalogs, not 4"
[ -f "$work/out/reelpack.sqlite" ] || fail "the merge wrote no OUT/reelpack.sqlite"
frames=$(grep -c ' frames/' "$work/out/manifest-sha256.txt" || true)
[ "$frames" -eq 8 ] || fail "the manifest lists $frames frames, not 8"
"$bin" verify "$work/out" --source "$work/scans" > "$work/jobs/verify.log" 2>&1 \
  || { cat "$work/jobs/verify.log" >&2; fail "reelpack verify OUT --source SCANS is not clean"; }
echo "test-slurm: shards passed in $(( $(date +%s) - started )) s (8 frames, 4 shards, merge, verify clean)"

# --- a shard that fails: Slurm cancels the merge; the shard rerun alone, then the merge ---
cat > "$work/fail-shard-2.sh" <<'EOF'
#!/bin/bash
# Runs the command it is given, except the second array task's compress, which fails
# at once as if its node had died.
if [ "${2:-}" = compress ] && [ "${SLURM_ARRAY_TASK_ID:-}" = 2 ]; then
  echo "fail-shard-2.sh: shard 2 fails on purpose" >&2
  exit 1
fi
exec "$@"
EOF
chmod +x "$work/fail-shard-2.sh"
output=$(REELPACK="$work/fail-shard-2.sh $bin" bash deploy/slurm/submit-shards.sh "$work/scans" "$work/out-rerun" \
  --profile C1 --shards 4 --cpus 1 --mem 1G --logs "$work/jobs-rerun") || fail "submit-shards.sh failed: $output"
shards_job=$(echo "$output" | sed -n 's/^shards: job \([0-9]*\).*/\1/p')
merge_job=$(echo "$output" | sed -n 's/^merge: job \([0-9]*\).*/\1/p')
states=$(states_of "$shards_job")
[ "$states" = "COMPLETED COMPLETED COMPLETED FAILED" ] || fail "with shard 2 failing, the array ended $states"
states=$(states_of "$merge_job" 60)
[ "$states" = "CANCELLED" ] || fail "with shard 2 failed, the merge ended ${states:-in no state}, not CANCELLED"
echo "slurm: shard 2 failed, the merge was cancelled; rerunning shard 2 alone"
output=$(REELPACK="$bin" bash deploy/slurm/submit-shards.sh "$work/scans" "$work/out-rerun" \
  --profile C1 --shards 4 --cpus 1 --mem 1G --logs "$work/jobs-rerun" --only 2) || fail "submit-shards.sh --only 2 failed: $output"
echo "$output"
rerun_job=$(echo "$output" | sed -n 's|^shard 2/4: job \([0-9]*\).*|\1|p')
merge_job=$(echo "$output" | sed -n 's/^merge: job \([0-9]*\).*/\1/p')
if [ -z "$rerun_job" ] || [ -z "$merge_job" ]; then fail "submit-shards.sh --only 2 printed no job ids"; fi
wait_for "$rerun_job"
wait_for "$merge_job"
"$bin" verify "$work/out-rerun" --source "$work/scans" > "$work/jobs-rerun/verify.log" 2>&1 \
  || { cat "$work/jobs-rerun/verify.log" >&2; fail "after the rerun, reelpack verify OUT --source SCANS is not clean"; }
echo "test-slurm: a failed shard rerun alone passed (merge, verify clean)"

# --- the queue: workers as an array, the export after them ------------------------------
if [ -n "$queue" ]; then
  [ -f scripts/pg-test-server.sh ] || fail "scripts/pg-test-server.sh is missing (the queue's test server)"
  pg_started=1
  url=$(REELPACK_PG_DIR="$work/pg" bash scripts/pg-test-server.sh start | tail -n 1) \
    || fail "PostgreSQL did not start (scripts/pg-test-server.sh start)"
  # The jobs read the URL from a file, as deploy/README.md asks of a real cluster. The
  # server trusts local connections, so a password in the URL is not checked, but it
  # must show in no job's log.
  secret=not-a-real-password-$RANDOM$RANDOM
  # shellcheck disable=SC2001 # a capture group, which ${url//} has not
  (umask 077; echo "$url" | sed "s|://\([^:@/]*\)@|://\1:$secret@|" > "$work/db-url")
  grep -q -- "$secret" "$work/db-url" || fail "could not put a password into the URL $url"
  submitted=$(date +%s)
  output=$(REELPACK="$bin" REELPACK_DB_FILE="$work/db-url" bash deploy/slurm/submit-workers.sh \
    "$work/scans" "$work/queue-out" --profile C1 --workers 2 --cpus 1 --mem 1G --logs "$work/jobs") \
    || fail "submit-workers.sh failed: $output"
  echo "$output"
  workers_job=$(echo "$output" | sed -n 's/^workers: job \([0-9]*\).*/\1/p')
  export_job=$(echo "$output" | sed -n 's/^export: job \([0-9]*\).*/\1/p')
  if [ -z "$workers_job" ] || [ -z "$export_job" ]; then fail "submit-workers.sh printed no job ids"; fi
  wait_for "$workers_job"
  wait_for "$export_job"
  echo "slurm: workers and export done in $(( $(date +%s) - submitted )) s"
  if grep -l -- "$secret" "$work"/jobs/*.log; then fail "the database password shows in the logs above"; fi
  [ -f "$work/queue-out/reelpack.sqlite" ] || fail "the export wrote no OUT/reelpack.sqlite"
  frames=$(grep -c ' frames/' "$work/queue-out/manifest-sha256.txt" || true)
  [ "$frames" -eq 8 ] || fail "the exported manifest lists $frames frames, not 8"
  "$bin" verify "$work/queue-out" --source "$work/scans" > "$work/jobs/verify-queue.log" 2>&1 \
    || { cat "$work/jobs/verify-queue.log" >&2; fail "reelpack verify of the exported folder is not clean"; }
  echo "test-slurm: queue passed (8 frames, 2 workers, export, verify clean)"
fi
echo "test-slurm: passed in $(( $(date +%s) - started )) s"
