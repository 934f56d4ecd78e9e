#!/usr/bin/env bash
# Trains the generators `resgen bench models` compares: every kind on the D = 8 and the D = 16
# tokenizer, one recipe and budget for all (configs/KIND-small.json with 4,000 steps of 128 token
# grids), then copies each run's weights here as KIND-dDEPTH.*. Runs that exist are resumed, so the
# script can be stopped (Ctrl-C, kill) and started again. Without arguments it trains every model not
# shipped here yet. Usage: models/bench/train.sh [KIND-dDEPTH ...]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
steps=4000
todo=("$@")
[ ${#todo[@]} -gt 0 ] || todo=(resgen-d8 rq-transformer-d8 maskgit-d8 ar-resgen-d8 resgen-d16 rq-transformer-d16)
declare -A tokenizer=([8]=models/tokenizer [16]=models/tokenizer-d16)
for run in "${todo[@]}"; do
  if [ $# -eq 0 ] && [ -f models/bench/$run.safetensors ]; then echo "$run: shipped, skipped"; continue; fi
  kind=${run%-d*}; depth=${run##*-d}
  tok=${tokenizer[$depth]:?"no tokenizer for depth $depth"}
  cache=runs/tokens-d$depth
  [ -f $cache-train.safetensors ] || ./resgen tokenizer encode --checkpoint $tok --out $cache-train.safetensors
  [ -f $cache-test.safetensors ] || ./resgen tokenizer encode --checkpoint $tok --split test --out $cache-test.safetensors
  out=runs/bench/$run
  resume=(); [ -f $out/last.json ] && resume=(--resume)
  ./resgen train --model $kind --config configs/$kind-small.json --set train.steps=$steps "${resume[@]}" \
    --tokens $cache-train.safetensors --val-tokens $cache-test.safetensors --tokenizer $tok --out $out
  cp $out/model.safetensors models/bench/$run.safetensors
  cp $out/model.json models/bench/$run.json
done
