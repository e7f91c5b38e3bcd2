#!/usr/bin/env bash
# Queues one reel in the PostgreSQL queue (`reelpack queue submit`, run here), then
# submits W Slurm workers (workers.sbatch, an array) and the export that writes OUT's
# catalog, manifest and report once they are done (export.sbatch,
# --dependency=afterany on the workers, so it runs even when a worker failed: a worker's
# frames go back to the queue, the export refuses a run with frames still pending and
# its log shows `queue status`; submit more workers, then export.sbatch again).
# Prints the run id and the job ids.
#
#   submit-workers.sh SRC OUT [--profile P] [--workers W] [--cpus C] [--mem M]
#                     [--time T] [--logs DIR] [--sbatch "OPTIONS"] [-- SUBMIT OPTIONS...]
#
# SRC and OUT must be on storage every node mounts at the same path, and this host must
# reach the database. The URL is read from REELPACK_DB_FILE (default
# ~/.config/reelpack/db-url), as the jobs read it; it never goes on a command line. More
# workers can join a run at any time: `sbatch --array=1-8 workers.sbatch`.
set -euo pipefail

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
case "${1:-}" in -h|--help|"") usage ;; esac
[ $# -ge 2 ] || usage
src=$1 out=$2; shift 2
profile=C1 workers=4 cpus=4 mem="" time="" logs="$PWD/reelpack-logs" sbatch_extra=""
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --cpus)    cpus=$2; shift 2 ;;
    --mem)     mem=$2; shift 2 ;;
    --time)    time=$2; shift 2 ;;
    --logs)    logs=$2; shift 2 ;;
    --sbatch)  sbatch_extra=$2; shift 2 ;;
    --)        shift; break ;;
    -h|--help) usage ;;
    *) echo "submit-workers.sh: unknown option $1" >&2; usage ;;
  esac
done
[[ $workers =~ ^[1-9][0-9]*$ ]] || { echo "submit-workers.sh: --workers needs a positive count, not '$workers'" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$logs"
read -r -a reelpack <<< "${REELPACK:-reelpack}"
read -r -a common <<< "$sbatch_extra"

db_file=${REELPACK_DB_FILE:-$HOME/.config/reelpack/db-url}
if [ -z "${REELPACK_DB:-}" ] && [ -r "$db_file" ]; then
  if [ -n "$(find "$db_file" -maxdepth 0 -perm /077 2>/dev/null)" ]; then
    echo "warning: $db_file holds the database password and others may read it: chmod 600 it" >&2
  fi
  REELPACK_DB=$(head -n 1 "$db_file")
  export REELPACK_DB
fi

run=$("${reelpack[@]}" queue submit "$src" -o "$out" --profile "$profile" "$@" | tail -n 1)
[ -n "$run" ] || { echo "submit-workers.sh: reelpack queue submit printed no run id" >&2; exit 1; }
echo "run: $run"

# The URL stays out of the jobs' stored environment: each job reads the file itself.
worker_opts=(--parsable --cpus-per-task="$cpus" "${common[@]}")
[ -n "$mem" ] && worker_opts+=(--mem="$mem")
[ -n "$time" ] && worker_opts+=(--time="$time")
array=$(env -u REELPACK_DB sbatch "${worker_opts[@]}" --array="1-$workers" \
  --output="$logs/worker-%A_%a.log" "$here/workers.sbatch")
echo "workers: job ${array%%;*} (array 1-$workers)"
export_job=$(env -u REELPACK_DB REELPACK_RUN="$run" sbatch --parsable "${common[@]}" \
  --dependency="afterany:${array%%;*}" --output="$logs/export-%j.log" "$here/export.sbatch")
echo "export: job ${export_job%%;*} (after the workers)"
