#!/usr/bin/env bash
# The W3C feed validator over every RSS and Atom feed of three builds: the sample dumps, the 2024 corpus and the
# 2026 sample (from tests/data), each with a watch. Any error or warning fails. The validator lives in
# ../shared/tools/validate-feeds (beside the repository); without it this says so and passes.
set -euo pipefail
cd "$(dirname "$0")/../.."
validator=${FEED_VALIDATOR:-../shared/tools/validate-feeds}
if [ ! -x "$validator" ]; then
  echo "validate-feeds: $validator not found, W3C feed validation skipped (tests/site/test_feeds_readers.py guards its warning classes)"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base=https://example.org/digest/
status=0
for name in sample corpus-2024 sample-2026; do
  project="$work/$name"
  mkdir -p "$project/content/dumps"
  case $name in
    sample) cp tests/data/seeds/* "$project/content/dumps/"; year="year: 2025" ;;
    corpus-2024) tar -xJf tests/data/hf-daily-2024.tar.xz -C "$work" && cp "$work"/hf-daily-2024/* "$project/content/dumps/"; year="" ;;
    sample-2026) tar -xJf tests/data/hf-daily-2026-sample.tar.xz -C "$work" && cp "$work"/hf-daily-2026-sample/* "$project/content/dumps/"; year="" ;;
  esac
  printf 'title: Validated\n%s\nwatch:\n  authors: [Yijiang Li]\n  keywords: [language model]\n' "$year" > "$project/digest.yaml"
  .venv/bin/digest build --quiet --config "$project/digest.yaml" --base-url "$base"
  echo "validate-feeds: $name"
  "$validator" "$project/site" "$base" || status=1
done
exit $status
