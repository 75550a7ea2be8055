#!/usr/bin/env bash
# The product beside its peers (../shared/bench), then its HTTP figures beside the bare
# Flask + gunicorn ceiling. Run from the repo root; prints where the tables are.
#
# usage: bench/run.sh OUTDIR
#
# Steps (each a separate folder under OUTDIR):
#   keywords/   ENGINES on the first MAX_DOCS news articles, GEN_QUERIES generated queries, AND
#   questions/  xquad_ar's 1,190 questions with judgements, clauses OR-ed (quality)
#   distractors/ the same questions among all 70,174 articles (only with DISTRACTORS=1; about
#               25 minutes more, an hour more with whoosh3, whose query step takes ~37 minutes)
#   http/       bench/http_load.py on the product index kept from distractors/ (70k articles)
#               or else from keywords/ (MAX_DOCS)
#   ceiling/    ../shared/bench/http/run_http.sh, fixed-body handler only, same wrk settings
# then bench/report.py writes every step's table, with the product's figures as ratios to
# Lucene's from the same run, into the marked block of docs/performance.md.
#
# Env knobs: ENGINES (default "lucene tantivy whoosh3 product"), MAX_DOCS (50000),
# GEN_QUERIES (1000), DISTRACTORS (0), HTTP_SECONDS (30), HTTP_CONNECTIONS ("8 32"),
# SKIP_HTTP (0), ARABIC_SEARCH_BENCH_DIR (default ../shared/bench).
# The machine's load average is logged to OUTDIR/loadavg.txt around every step: the harness
# times wall clock, so figures from a busy machine read as upper bounds.
set -euo pipefail

if [[ $# -ne 1 ]]; then sed -n '2,20p' "$0"; exit 2; fi
OUT="$1"
BENCH="${ARABIC_SEARCH_BENCH_DIR:-../shared/bench}"
DATA="$BENCH/../data"
ENGINES="${ENGINES:-lucene tantivy whoosh3 product}"
PY=".venv/bin/python"
export PRODUCT_RUNNER="$PY bench/peer_runner.py"
mkdir -p "$OUT"

[[ -f "$BENCH/run_all.sh" ]] || { echo "no harness in $BENCH" >&2; exit 1; }
[[ -x "$PY" ]] || { echo "no $PY; run make install first" >&2; exit 1; }

load() { echo "$(date +%FT%T) $1 $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/loadavg.txt"; }

load "keywords-start"
ENGINES="$ENGINES" MAX_DOCS="${MAX_DOCS:-50000}" KEEP_INDEXES=1 ENGINE_TIMEOUT=3600 \
  bash "$BENCH/run_all.sh" "$DATA/arabic_news/docs.jsonl.gz" "gen:${GEN_QUERIES:-1000}" \
  "$OUT/keywords"
for engine in $ENGINES; do  # only the product's index is reused (HTTP, profiles)
  [[ "$engine" == product ]] || rm -rf "$OUT/keywords/$engine/index"
done
load "keywords-end"

load "questions-start"
BENCH_OP=or ENGINES="${ENGINES/whoosh3/}" \
  bash "$BENCH/run_all.sh" "$DATA/xquad_ar/docs.jsonl" "$DATA/xquad_ar/queries.jsonl" \
  "$OUT/questions"
load "questions-end"

if [[ "${DISTRACTORS:-0}" == 1 ]]; then
  load "distractors-start"
  BENCH_OP=or ENGINES="$ENGINES" ENGINE_TIMEOUT=7200 KEEP_INDEXES=1 \
    bash "$BENCH/run_all.sh" "$DATA/xquad_ar/docs.jsonl,$DATA/arabic_news/docs.jsonl.gz" \
    "$DATA/xquad_ar/queries.jsonl" "$OUT/distractors"
  for engine in $ENGINES; do
    [[ "$engine" == product ]] || rm -rf "$OUT/distractors/$engine/index"
  done
  load "distractors-end"
fi

SERVED="$OUT/keywords"
[[ -d "$OUT/distractors/product/index" ]] && SERVED="$OUT/distractors"
if [[ "${SKIP_HTTP:-0}" != 1 && -d "$SERVED/product/index" ]]; then
  load "http-start"
  mkdir -p "$OUT/http"
  # shellcheck disable=SC2086  # the connection counts are separate arguments
  "$PY" bench/http_load.py "$SERVED/product/index" --corpus "$SERVED/corpus.jsonl" \
    --queries 20000 --connections ${HTTP_CONNECTIONS:-8 32} --duration "${HTTP_SECONDS:-30}" \
    --workdir "$OUT/http" | tee "$OUT/http/http_load.jsonl"
  load "http-end"
  load "ceiling-start"
  HTTP_DOCS=2000 HTTP_MODES=fixed HTTP_CONFIGS=sync HTTP_CONNECTIONS="${HTTP_CONNECTIONS:-8 32}" \
    HTTP_DURATION="${HTTP_SECONDS:-30}" bash "$BENCH/http/run_http.sh" "$OUT/ceiling"
  load "ceiling-end"
fi

"$PY" bench/report.py "$OUT"  # the tables, product / Lucene ratios, into docs/performance.md
echo "tables: $OUT/keywords/results.md $OUT/questions/results.md"
[[ "${DISTRACTORS:-0}" == 1 ]] && echo "        $OUT/distractors/results.md"
echo "http:   $OUT/http/http_load.jsonl $OUT/ceiling/http-results.md"
