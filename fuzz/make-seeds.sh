#!/usr/bin/env bash
# Seed fuzz/corpus/<target>/ from the project's own corpus (corpus/), so the
# fuzzer starts from real configurations. The seeds are not committed.
set -euo pipefail
cd "$(dirname "$0")"
names=(racoon.conf psk.txt ipsec.conf rc.conf ipfw.rules rc.firewall ipf.rules ipnat.rules loader.conf unknown.txt)
mkdir -p corpus/formats corpus/site corpus/ipftest
n=0
while IFS= read -r -d '' f; do
    base=$(basename "$f")
    for i in "${!names[@]}"; do
        if [[ "$base" == "${names[$i]}" ]]; then
            { printf "\\x$(printf %02x "$i")"; cat "$f"; } > "corpus/formats/seed-$n"
            n=$((n + 1))
        fi
    done
done < <(find ../corpus -type f -size -64k -print0)
# Each pair directory: east's five files, then west's, separated by "\n%%\n".
for pair in ../corpus/pairs/*/; do
    out="corpus/site/$(basename "$pair")"
    : > "$out"
    for gw in east west; do
        for f in etc/rc.conf usr/local/etc/racoon/racoon.conf usr/local/etc/racoon/psk.txt etc/ipsec.conf etc/ipfw.rules; do
            [[ -f "$pair/$gw/$f" ]] && cat "$pair/$gw/$f" >> "$out"
            printf '\n%%%%\n' >> "$out"
        done
    done
done
for f in $(find ../corpus -name 'ipf*.rules' -size -64k); do
    { cat "$f"; printf '\n%%%%\nin on em0 udp 198.51.100.1,500 192.0.2.1,500\nout on em0 50 192.0.2.1 198.51.100.1\n'; } > "corpus/ipftest/$(echo "${f#../}" | tr / _)"
done
# Each example gateway as a tree: a place byte (the index in fuzz_targets/tree.rs's PLACES), a
# kind byte (0: a regular file), the content; then one variant per gateway with psk.txt linked
# out of the tree (kind 2) and .mtree a FIFO (kind 7).
mkdir -p corpus/tree
places=(etc/rc.conf etc/rc.conf.local etc/rc.conf.d/racoon etc/ipsec.conf etc/ipfw.rules etc/ipf.rules etc/sysctl.conf boot/loader.conf bin/freebsd-version .mtree usr/local/etc/racoon/racoon.conf usr/local/etc/racoon/psk.txt)
for gw in ../corpus/gateways/*/; do
    out="corpus/tree/$(basename "$gw")"
    : > "$out"
    for i in "${!places[@]}"; do
        [[ -f "$gw/${places[$i]}" ]] || continue
        { printf "\\x$(printf %02x "$i")\\x00"; cat "$gw/${places[$i]}"; printf '\n%%%%\n'; } >> "$out"
    done
    { cat "$out"; printf '\x0b\x02\n%%%%\n\x09\x07\n%%%%\n'; } > "$out-odd"
done
echo "seeded: $(ls corpus/formats | wc -l) formats, $(ls corpus/site | wc -l) site, $(ls corpus/ipftest | wc -l) ipftest, $(ls corpus/tree | wc -l) tree"
