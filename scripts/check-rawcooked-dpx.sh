#!/usr/bin/env bash
# Every DPX of RAWcooked's regression set (MediaArea/RAWcooked-RegressionTestingFiles,
# Formats/DPX without Conformance/) through `compress --profile lossless`, `restore`
# and `cmp`: the restored file must be the original, byte for byte.
#
#   scripts/check-rawcooked-dpx.sh REPO [BIN]
#
# REPO is a clone of that repository, or a bare copy of it (files are then read with
# `git show` into a temporary folder). BIN defaults to .build/debug/reelpack. Files
# the copy does not hold (Git LFS pointers, missing objects) are counted apart. The set
# stays outside this repository; nothing is copied into it.
set -euo pipefail
REPO=${1:?usage: scripts/check-rawcooked-dpx.sh REPO [BIN]}
BIN=$(realpath "${2:-.build/debug/reelpack}")
SUBSET=${SUBSET:-Formats/DPX}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

if git --git-dir="$REPO" rev-parse --is-bare-repository >/dev/null 2>&1 && [[ $(git --git-dir="$REPO" rev-parse --is-bare-repository) == true ]]; then
    G=(git --git-dir="$REPO")
else
    G=(git -C "$REPO")
fi
mapfile -t files < <("${G[@]}" ls-tree -r --name-only HEAD -- "$SUBSET" | grep -i '\.dpx$' | grep -v '/Conformance/')

total=0 exact=0 refused=0 differ=0 absent=0
for path in "${files[@]}"; do
    total=$((total + 1))
    dir="$work/$total"; mkdir -p "$dir/src"
    src="$dir/src/$(basename "$path")"
    if ! "${G[@]}" cat-file -e "HEAD:$path" 2>/dev/null || ! "${G[@]}" show "HEAD:$path" > "$src" 2>/dev/null \
        || head -c 40 "$src" | grep -q '^version https://git-lfs'; then
        absent=$((absent + 1)); echo "absent   $path"; continue
    fi
    if ! "$BIN" compress "$src" -o "$dir/out" --profile lossless --jobs 1 >"$dir/log" 2>&1; then
        refused=$((refused + 1)); echo "refused  $path: $(grep -m1 -iE 'error|fail' "$dir/log" || tail -1 "$dir/log")"; continue
    fi
    if ! "$BIN" restore "$dir/out" -o "$dir/restored" >"$dir/log" 2>&1; then
        refused=$((refused + 1)); echo "refused  $path (restore): $(tail -1 "$dir/log")"; continue
    fi
    restored=$(find "$dir/restored" -type f -iname '*.dpx' | head -1)
    if [[ -n $restored ]] && cmp -s "$src" "$restored"; then
        exact=$((exact + 1)); echo "exact    $path"
    else
        differ=$((differ + 1)); echo "DIFFERS  $path"
    fi
    rm -rf "$dir"
done
echo "rawcooked-dpx: $total files: $exact byte-exact, $differ differ, $refused refused, $absent not in the copy"
[[ $differ -eq 0 && $refused -eq 0 ]]
