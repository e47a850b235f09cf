#!/usr/bin/env bash
# Pull and unpack of a 64 MiB single-layer image (busybox plus 64 MiB of random
# bytes, one gzip layer) from Debian's docker-registry on 127.0.0.1:
#   pull:   berth pull into an empty store     vs  skopeo copy to an empty OCI dir
#   unpack: berth image unpack (layers gone)   vs  umoci unpack of skopeo's copy
# Every run starts from empty (hyperfine --prepare); rounds alternate the tools.
#
#   bench/pull-unpack.sh            # 10 runs each in 2 rounds
#   RUNS=20 ROUNDS=4 bench/pull-unpack.sh
#
# Results: artifacts/bench/{pull,unpack}-*.json, medians and the ratios
# berth/skopeo and berth/umoci (targets: at most 1.2 each).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

runs="${RUNS:-10}"
rounds="${ROUNDS:-2}"
per_round=$(( (runs + rounds - 1) / rounds ))
out="$BERTH_REPO/artifacts/bench"

ensure_packages "${BERTH_BUILD_PACKAGES[@]}" docker-registry skopeo umoci curl "${BERTH_BENCH_PACKAGES[@]}"
bench_berth
mkdir -p "$out"

work="$(mktemp -d /tmp/berth-bench.XXXXXX)"
registry_pid=""
cleanup() {
    [[ -n "$registry_pid" ]] && kill "$registry_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$work/registry"
cat >"$work/registry/config.yml" <<YAML
version: 0.1
log: { level: error }
storage: { filesystem: { rootdirectory: $work/registry/data } }
http: { addr: 127.0.0.1:$port }
YAML
docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
registry_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done

# The image: busybox and 64 MiB of random bytes, pushed with a gzip layer.
build_busybox_rootfs "$work/rootfs"
head -c $((64 << 20)) /dev/urandom >"$work/rootfs/payload.bin"
tar --numeric-owner --sort=name -C "$work/rootfs" -cf "$work/layer.tar" .
rm -rf "$work/rootfs"
layer_sha="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
mkdir -p "$work/archive/$layer_sha"
mv "$work/layer.tar" "$work/archive/$layer_sha/layer.tar"
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$layer_sha" >"$work/archive/config.json"
config_sha="$(sha256sum "$work/archive/config.json" | cut -d' ' -f1)"
mv "$work/archive/config.json" "$work/archive/$config_sha.json"
printf '[{"Config":"%s.json","RepoTags":["big:1"],"Layers":["%s/layer.tar"]}]' "$config_sha" "$layer_sha" >"$work/archive/manifest.json"
tar -C "$work/archive" -cf "$work/big.tar" .
rm -rf "$work/archive"
image="127.0.0.1:$port/bench/big:1"
skopeo copy -q --dest-tls-verify=false --dest-compress-format gzip "docker-archive:$work/big.tar" "docker://$image"

berth=("$BERTH_BIN" --data-root "$work/berth")
"${berth[@]}" pull -q "$image" >/dev/null
skopeo copy -q --src-tls-verify=false "docker://$image" "oci:$work/oci:big" >/dev/null

declare -A commands=(
    [pull-berth]="${berth[*]} --data-root $work/pulled pull -q $image"
    [pull-skopeo]="skopeo copy -q --src-tls-verify=false docker://$image oci:$work/pulled-oci:big"
    [unpack-berth]="${berth[*]} image unpack -q $image"
    [unpack-umoci]="umoci unpack --image $work/oci:big $work/bundle"
)
declare -A prepare=(
    [pull-berth]="rm -rf $work/pulled"
    [pull-skopeo]="rm -rf $work/pulled-oci"
    [unpack-berth]="rm -rf $work/berth/snapshots"
    [unpack-umoci]="rm -rf $work/bundle"
)
for pair in "pull-berth pull-skopeo" "unpack-berth unpack-umoci"; do
    read -r a b <<<"$pair"
    log "measuring $a and $b: $rounds rounds of $per_round runs each"
    for ((round = 0; round < rounds; round++)); do
        for name in $( ((round % 2 == 0)) && echo "$a $b" || echo "$b $a"); do
            hyperfine -N --style none --runs "$per_round" --prepare "${prepare[$name]}" \
                --export-json "$work/$name-$round.json" -n "$name" "${commands[$name]}" >/dev/null
        done
    done
done
for name in "${!commands[@]}"; do
    pool_medians "$out/$name.json" "$work/$name"-*.json
done
median_ms() { jq -r '.median * 1000 | round' "$out/$1.json"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pb="$(median_ms pull-berth)" ps="$(median_ms pull-skopeo)" ub="$(median_ms unpack-berth)" uu="$(median_ms unpack-umoci)"
echo
echo "64 MiB single-layer image from 127.0.0.1, median of $((per_round * rounds)) runs (ms):"
printf '  pull    berth %6s   skopeo %6s   berth/skopeo = %s (target <= 1.2)\n' "$pb" "$ps" "$(ratio "$pb" "$ps")"
printf '  unpack  berth %6s   umoci  %6s   berth/umoci  = %s (target <= 1.2)\n' "$ub" "$uu" "$(ratio "$ub" "$uu")"
