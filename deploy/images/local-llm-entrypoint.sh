#!/bin/sh
# Entry point of the local-llm image: link the models baked into
# $BAKED_MODEL_DIR into the writable $LOCAL_LLM_CACHE_DIR, then run
# `local-llm` with the given arguments (default `serve`).
#
# local-llm's cache contains `<file>.gguf` and `<file>.gguf.verified.json` (the
# sha256, size and mtime it checked). The marker is copied, not linked, so
# that local-llm can rewrite it: when the image layers did not keep the
# file's mtime to the nanosecond, local-llm hashes the model once (a few
# seconds) and writes a fresh marker, and it never writes to $BAKED_MODEL_DIR.
set -eu

cache="${LOCAL_LLM_CACHE_DIR:?LOCAL_LLM_CACHE_DIR must name a writable folder}"
baked="${BAKED_MODEL_DIR:-/opt/models}"
mkdir -p "$cache"
for model in "$baked"/*.gguf; do
    [ -f "$model" ] || continue
    name="$(basename "$model")"
    [ -e "$cache/$name" ] || ln -s "$model" "$cache/$name"
    if [ -f "$model.verified.json" ] && [ ! -e "$cache/$name.verified.json" ]; then
        cp "$model.verified.json" "$cache/$name.verified.json"
    fi
done
exec local-llm "$@"
