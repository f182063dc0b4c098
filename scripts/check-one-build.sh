#!/usr/bin/env bash
# Checks that `cargo run -p train`, `cargo run -p infer` and `cargo test --workspace` ask every
# dependency they share for the same features, so that cargo compiles burn (and everything else)
# once for the three (see common/Cargo.toml). Prints the crates whose features differ and exits
# 1 if there are any. Needs only `cargo tree` (no build).
set -euo pipefail
cd "$(dirname "$0")/.."

# features SELECTION...: "crate version<TAB>feature,feature,..." per crate, features united
# over every place the crate appears.
features() {
    cargo tree --prefix none --no-dedupe -f '{p}|{f}' "$@" \
        | awk -F'|' 'NF == 2 {
              split($1, p, " "); name = p[1] " " p[2]
              n = split($2, f, ",")
              for (i = 1; i <= n; i++) if (f[i] != "") set[name "\t" f[i]] = 1
              seen[name] = 1
          }
          END {
              for (k in set) { split(k, kf, "\t"); list[kf[1]] = list[kf[1]] "," kf[2] }
              for (c in seen) print c "\t" list[c]
          }' \
        | while IFS=$'\t' read -r crate feats; do
              printf '%s\t%s\n' "$crate" "$(tr ',' '\n' <<<"$feats" | sed '/^$/d' | sort | paste -sd, -)"
          done | sort
}

workspace=$(features --workspace)
status=0
for package in train infer; do
    # Every crate of `cargo run -p PACKAGE` (no dev-dependencies), the workspace's own included.
    while IFS=$'\t' read -r crate feats; do
        other=$(awk -F'\t' -v c="$crate" '$1 == c { print $2 }' <<<"$workspace")
        if [ "$feats" != "$other" ]; then
            echo "$crate: cargo run -p $package asks for [$feats], cargo test --workspace for [$other]"
            status=1
        fi
    done < <(features -p "$package" -e normal,build)
done
[ "$status" -eq 0 ] && echo "one build: train, infer and the tests ask every shared crate for the same features"
exit "$status"
