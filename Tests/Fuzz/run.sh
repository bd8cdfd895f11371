#!/bin/bash
# `make fuzz`: runs each libFuzzer target of accessreview-fuzz for FUZZ_SECONDS (default 120)
# from a seed corpus made of the Samples, two targets at a time (one per core). The corpora
# grow in .build/fuzz/corpus/<target> from run to run; a crash, hang or memory blow-up leaves
# its input in .build/fuzz/artifacts/<target>/ and fails the run.
# Usage: Tests/Fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-${FUZZ_SECONDS:-120}}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ldif xml yaml sheet)
fuzzer=.build/fuzz/debug/accessreview-fuzz
[ -x "$fuzzer" ] || { echo "build it first: make fuzz" >&2; exit 1; }
work=.build/fuzz

seed() {
    local target=$1 corpus=$work/corpus/$1
    mkdir -p "$corpus"
    case $target in
        ldif) cp Samples/directory.ldif "$corpus/seed-directory.ldif" ;;
        xml) cp Samples/exports/esdh.xml "$corpus/seed-esdh.xml"; cp Samples/exports/jobcenter.xml "$corpus/seed-jobcenter.xml" ;;
        yaml) cp Samples/accessreview.yaml "$corpus/seed-config.yaml"; cp Mappings/handbook.yaml "$corpus/seed-handbook.yaml"
              for m in Mappings/systems/*.yaml Mappings/hr.yaml; do cp "$m" "$corpus/seed-$(basename "$m")"; done ;;
        sheet)
            if [ ! -e "$corpus/seed-sheet.xlsx" ]; then
                local samples
                samples=$(mktemp -d)
                cp -r Samples Mappings "$samples/"
                sed -i 's|^output: .*|output: out|' "$samples/Samples/accessreview.yaml"
                .build/debug/accessreview run --config "$samples/Samples/accessreview.yaml" --quiet >/dev/null
                cp "$samples/Samples/out/2026-H2/sheets/maso.xlsx" "$corpus/seed-sheet.xlsx"
                cp "$samples/Samples/out/2026-H2/sheets/maso.csv" "$corpus/seed-sheet.csv"
                cp "$samples/Samples/out/2026-H2/sheets/vist.xlsx" "$corpus/seed-sheet-2.xlsx"
                rm -rf "$samples"
            fi ;;
    esac
}

run() {
    local target=$1 log=$work/$1.log
    mkdir -p "$work/artifacts/$target"
    seed "$target"
    local status=0
    ACCESSREVIEW_FUZZ_TARGET=$target ACCESSREVIEW_FUZZ_MAPPING=Mappings/systems/esdh.yaml \
        "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/$target/" "$work/corpus/$target" >"$log" 2>&1 || status=$?
    local done_line
    done_line=$(grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -1 || true)
    local execs cov files
    execs=$(grep -E "stat::number_of_executed_units" "$log" | awk '{print $2}' || true)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$done_line")
    files=$(find "$work/corpus/$target" -type f | wc -l)
    if [ $status -ne 0 ]; then
        echo "fuzz $target: FAILED (exit $status) after ${execs:-?} executions; see $log and $work/artifacts/$target/"
        return 1
    fi
    echo "fuzz $target: ${seconds} s, ${execs:-?} executions, corpus ${files} inputs, coverage ${cov:-?} edges — no crash, hang or blow-up"
}

failed=0
# Two at a time: one per core.
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    pids=()
    for target in "${targets[@]:i:2}"; do
        run "$target" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
done
exit $failed
