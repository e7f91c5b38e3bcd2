#!/usr/bin/env bash
# libFuzzer harnesses for the parsers of untrusted bytes (see FUZZING.md).
#   Fuzz/fuzz.sh [SECONDS_PER_HARNESS]    run each harness for that long (default 15)
#   FUZZ_RUNS=N Fuzz/fuzz.sh              run each harness for N executions instead
# The parts fuzzed (ImageCore, Formats, the codecs' container readers) are compiled
# once with coverage and AddressSanitizer straight from Sources/ into .build-fuzz/,
# not through SwiftPM: nothing else of the package is rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-15}"
B=.build-fuzz
SWIFTC="${SWIFTC:-swiftc}"
FLAGS=(-O -sanitize=fuzzer,address -parse-as-library -wmo -I "$B/mods")
mkdir -p "$B/mods"

module() {   # module NAME OUTPUT.o EXTRA_FLAGS... -- SOURCES...
    local name=$1 obj=$2; shift 2
    local extra=()
    while [[ $1 != -- ]]; do extra+=("$1"); shift; done; shift
    local stamp="$B/$name.stamp"
    if [[ -f $obj && -f $stamp ]] && [[ -z $(find "$@" -newer "$stamp" -print -quit) ]]; then return; fi
    echo "fuzz: compiling $name ($# files)"
    "$SWIFTC" "${FLAGS[@]}" "${extra[@]}" -module-name "$name" -emit-module -emit-module-path "$B/mods/$name.swiftmodule" \
        -c -o "$obj" "$@"
    touch "$stamp"
}

mapfile -t IMAGECORE < <(find Sources/ImageCore -name '*.swift' | sort)
mapfile -t FORMATS < <(find Sources/Formats -name '*.swift' | sort)
module ImageCore "$B/ImageCore.o" -- "${IMAGECORE[@]}"
module Formats "$B/Formats.o" -I Sources/CTIFF -- "${FORMATS[@]}"
module Codecs "$B/Codecs.o" -- Sources/Codecs/Codec.swift Sources/Codecs/QualityKnob.swift Sources/Codecs/Container/*.swift
# The seal and the value types it holds, straight from Engine (the rest of Engine needs
# GRDB and swift-crypto); Metrics only for the types QualityMeasurement maps from.
mapfile -t METRICS < <(find Sources/Metrics -name '*.swift' | sort)
module Metrics "$B/Metrics.o" -- "${METRICS[@]}"
module Engine "$B/Engine.o" -I Sources/CZlib -- Sources/Engine/Seal/Seal.swift Sources/Engine/Support/Zlib.swift \
    Sources/Engine/Search/SearchIteration.swift Sources/Engine/Analysis/FrameFeatures.swift \
    Sources/Engine/Analysis/TextDetector.swift Sources/Engine/Profiles/QualityFloor.swift \
    Sources/Engine/Profiles/QualityMeasurement.swift

harness() {  # harness NAME SEED_DIR OBJECTS...
    local name=$1 seeds=$2; shift 2
    local exe="$B/$name"
    if [[ ! -x $exe || Fuzz/$name.swift -nt $exe || $B/Formats.stamp -nt $exe || $B/Codecs.stamp -nt $exe \
          || $B/Engine.stamp -nt $exe ]]; then
        echo "fuzz: linking $name"
        # (gold warns once per AddressSanitizer helper symbol; the warnings say nothing)
        "$SWIFTC" "${FLAGS[@]}" -I Sources/CTIFF -I Sources/CZlib "Fuzz/$name.swift" "$@" -ltiff -lz -o "$exe" 2>&1 \
            | { grep -v "Cannot export local symbol" || true; }
        [[ -x $exe ]]
    fi
    mkdir -p "$B/corpus/$name"
    local run=(-max_total_time="$SECONDS_EACH")
    [[ -n ${FUZZ_RUNS:-} ]] && run=(-runs="$FUZZ_RUNS")
    echo "fuzz: running $name (${FUZZ_RUNS:+$FUZZ_RUNS runs}${FUZZ_RUNS:-$SECONDS_EACH s})"
    # New inputs go to .build-fuzz/corpus/NAME; the seeds are read, never written.
    "$exe" "${run[@]}" -max_len=16384 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$B/crash-$name-" "$B/corpus/$name" "$seeds" 2>&1 | grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|==[0-9]+==|SUMMARY|.*(Fatal|fatal) error|artifact_prefix|Test unit written)" || true
    if compgen -G "$B/crash-$name-*" > /dev/null; then
        echo "fuzz: $name found a failing input: $(ls "$B"/crash-"$name"-*)"
        return 1
    fi
}

bash Fuzz/seeds.sh "$B/seeds"
status=0
harness FuzzDPX "$B/seeds/dpx" "$B/ImageCore.o" "$B/Formats.o" || status=1
harness FuzzTIFF "$B/seeds/tiff" "$B/ImageCore.o" "$B/Formats.o" || status=1
harness FuzzContainer "$B/seeds/container" "$B/ImageCore.o" "$B/Codecs.o" || status=1
harness FuzzRecord "$B/seeds/record" "$B/ImageCore.o" "$B/Formats.o" || status=1
harness FuzzSeal "$B/seeds/seal" "$B/ImageCore.o" "$B/Formats.o" "$B/Metrics.o" "$B/Engine.o" || status=1
exit $status
