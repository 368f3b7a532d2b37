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
echo "seeded: $(ls corpus/formats | wc -l) formats, $(ls corpus/site | wc -l) site, $(ls corpus/ipftest | wc -l) ipftest"
