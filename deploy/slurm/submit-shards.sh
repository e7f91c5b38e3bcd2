#!/usr/bin/env bash
# Submits one reel as a Slurm array of shards (shards.sbatch) and the merge
# (merge.sbatch) that runs once every array task has succeeded
# (--dependency=afterok:<array job id>). Prints the two job ids.
#
#   submit-shards.sh SRC OUT [--profile P] [--shards N] [--cpus C] [--mem M]
#                    [--time T] [--logs DIR] [--only K,K...] [--sbatch "OPTIONS"]
#                    [--verify] [-- COMPRESS OPTIONS...]
#
# SRC and OUT must be on storage every node mounts at the same path. --only reruns the
# listed shards (each as its own job, `--shard K/N --resume`) and then the merge, e.g.
# after a shard failed or `reelpack merge` listed missing frames. --sbatch passes options
# to every sbatch call (a partition, an account, a QOS). REELPACK, if set, is the command
# the jobs run (see shards.sbatch).
set -euo pipefail

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
case "${1:-}" in -h|--help|"") usage ;; esac
[ $# -ge 2 ] || usage
src=$1 out=$2; shift 2
profile=C1 shards=8 cpus=4 mem="" time="" logs="$PWD/reelpack-logs" only="" sbatch_extra="" verify=""
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=$2; shift 2 ;;
    --shards)  shards=$2; shift 2 ;;
    --cpus)    cpus=$2; shift 2 ;;
    --mem)     mem=$2; shift 2 ;;
    --time)    time=$2; shift 2 ;;
    --logs)    logs=$2; shift 2 ;;
    --only)    only=$2; shift 2 ;;
    --sbatch)  sbatch_extra=$2; shift 2 ;;
    --verify)  verify=1; shift ;;
    --)        shift; break ;;
    -h|--help) usage ;;
    *) echo "submit-shards.sh: unknown option $1" >&2; usage ;;
  esac
done
[[ $shards =~ ^[1-9][0-9]*$ ]] || { echo "submit-shards.sh: --shards needs a positive count, not '$shards'" >&2; exit 2; }
rerun=()
[ -n "$only" ] && IFS=, read -r -a rerun <<< "$only"
for k in "${rerun[@]}"; do
  if ! [[ $k =~ ^[0-9]+$ ]] || [ "$k" -lt 1 ] || [ "$k" -gt "$shards" ]; then
    echo "submit-shards.sh: shard '$k' is not in 1...$shards" >&2; exit 2
  fi
done
here=$(cd "$(dirname "$0")" && pwd)

export REELPACK_SRC=$src REELPACK_OUT=$out REELPACK_PROFILE=$profile REELPACK_SHARDS=$shards
export REELPACK_ARGS="$*"
[ -n "$verify" ] && export REELPACK_VERIFY_SOURCE=$src
read -r -a common <<< "$sbatch_extra"
shard_opts=(--parsable --cpus-per-task="$cpus" "${common[@]}")
[ -n "$mem" ] && shard_opts+=(--mem="$mem")
[ -n "$time" ] && shard_opts+=(--time="$time")

# Logs go beside OUT, never into it: OUT holds only what Reelpack writes.
mkdir -p "$logs"
jobs=()
if [ -z "$only" ]; then
  array=$(sbatch "${shard_opts[@]}" --array="1-$shards" --output="$logs/shard-%A_%a.log" "$here/shards.sbatch")
  jobs+=("${array%%;*}")
  echo "shards: job ${jobs[0]} (array 1-$shards)"
else
  for k in "${rerun[@]}"; do
    id=$(REELPACK_SHARD="$k/$shards" sbatch "${shard_opts[@]}" --output="$logs/shard-$k-of-$shards-%j.log" "$here/shards.sbatch")
    jobs+=("${id%%;*}")
    echo "shard $k/$shards: job ${id%%;*}"
  done
fi

dependency="afterok:$(IFS=:; echo "${jobs[*]}")"
merge=$(sbatch --parsable "${common[@]}" --dependency="$dependency" --kill-on-invalid-dep=yes \
  --output="$logs/merge-%j.log" "$here/merge.sbatch")
echo "merge: job ${merge%%;*} (after $dependency)"
