#!/usr/bin/env bash
# Ingest benchmark: streams >= 1,000,000 generated Tetragon export lines (the reference
# corpus multiplied with varied exec ids, pods, namespaces, nodes and times) through
#   (a) readline alone, (b) readline + JSON.parse, (c) readline + parse+classify+aggregate
# (the runtime-security-common analyzer) and prints events/s side by side, the ratio
# (goal: the pipeline at >= 50 % of the JSON.parse rate) and the pipeline's RSS at
# 25/50/75/100 % of the stream plus its peak. Each pass runs in its own Node process.
#
# Usage: bench/ingest/run.sh [lines] [repeat]   (default 1000000 lines, best of 2 interleaved runs;
#        env BENCH_DIR for the data folder, about 1.8 GB for 1M lines)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
ensure_node

LINES="${1:-1000000}"
REPEAT="${2:-2}"
CORPUS="${PERISCOPE_CORPORA:-$ROOT/../shared/corpora}/tetragon/events"
DIR="${BENCH_DIR:-${TMPDIR:-/tmp}/periscope-bench-ingest}"
[ -d "$CORPUS" ] || die "no Tetragon corpus at $CORPUS; set PERISCOPE_CORPORA to the corpora folder"
mkdir -p "$DIR"

"$ROOT/node_modules/.bin/esbuild" "$ROOT/bench/ingest/driver.ts" --bundle --platform=node --target=node22 \
  --outfile="$DIR/driver.js" --log-level=warning \
  || die "esbuild could not bundle bench/ingest/driver.ts (are dependencies installed?)"

DATA="$DIR/events-$LINES.jsonl"
if [ ! -s "$DATA" ]; then
  log "generating $LINES lines into $DATA"
  node "$DIR/driver.js" generate --lines "$LINES" --out "$DATA.tmp" --corpus "$CORPUS" >&2
  mv "$DATA.tmp" "$DATA"
fi
node "$DIR/driver.js" run --file "$DATA" --lines "$LINES" --repeat "$REPEAT"
