#!/bin/sh
# Check a signed ledger PDF without fieldapp or pyHanko: poppler's pdfsig checks each signature
# against the bytes it covers, and openssl checks the same CMS signature again and that the
# signer's certificate chains to the headquarters CA (which pdfsig cannot, having no NSS
# database with that CA).
#
#   sh tools/verify_ledger_independently.sh LEDGER.pdf CA.pem
#
# CA.pem comes from headquarters: `fieldapp hq ca-cert > CA.pem`. Exit 0 only if every
# signature is valid for pdfsig and for openssl with CA.pem, and the last one covers the whole
# file. Needs poppler-utils (pdfsig) and openssl.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 LEDGER.pdf CA.pem" >&2
    exit 2
fi
pdf=$1
ca=$2
for tool in pdfsig openssl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool is not installed" >&2; exit 2; }
done
[ -f "$pdf" ] || { echo "no such file: $pdf" >&2; exit 2; }
[ -f "$ca" ] || { echo "no such file: $ca" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

report="$work/report.txt"
# -nocert: poppler would consult its NSS database, which does not hold our CA (openssl below
# does the chain check). pdfsig exits non-zero for an unsigned or unreadable file.
if ! pdfsig -nocert "$pdf" >"$report" 2>&1; then
    cat "$report"
    echo "FAIL: pdfsig could not read signatures from $pdf"
    exit 1
fi
cat "$report"
count=$(grep -c "^Signature #" "$report" || true)
if [ "$count" -eq 0 ]; then
    echo "FAIL: no signatures"
    exit 1
fi
valid=$(grep -c "Signature Validation: Signature is Valid." "$report" || true)

absolute="$(cd "$(dirname "$pdf")" && pwd)/$(basename "$pdf")"
(cd "$work" && pdfsig -dump "$absolute" >/dev/null)
size=$(wc -c <"$pdf" | tr -d ' ')
status=0
n=0
grep "Signed Ranges" "$report" | sed -E 's/.*\[([0-9]+) - ([0-9]+)\], \[([0-9]+) - ([0-9]+)\].*/\1 \2 \3 \4/' |
while read -r a b c d; do
    sig=$(ls "$work"/*.sig"$n" 2>/dev/null | head -n 1)
    content="$work/content$n.bin"
    { tail -c +"$((a + 1))" "$pdf" | head -c "$((b - a))"; tail -c +"$((c + 1))" "$pdf" | head -c "$((d - c))"; } >"$content"
    if [ -n "$sig" ] && openssl cms -verify -inform DER -in "$sig" -content "$content" -binary \
        -CAfile "$ca" -purpose any -out /dev/null >"$work/openssl$n.txt" 2>&1; then
        echo "signature $((n + 1)): openssl OK (chains to $ca)"
    else
        echo "signature $((n + 1)): openssl FAILED"
        grep -v NSS_Shutdown "$work/openssl$n.txt" || true
        echo fail >"$work/failed"
    fi
    n=$((n + 1))
    echo "$d" >"$work/last_end"
done
if [ -f "$work/failed" ]; then
    status=1
fi
if [ "$valid" -ne "$count" ]; then
    echo "FAIL: pdfsig found $((count - valid)) of $count signatures not valid"
    status=1
fi
if [ "$(cat "$work/last_end" 2>/dev/null || echo 0)" -ne "$size" ]; then
    echo "FAIL: the last signature does not cover the whole file (bytes were added after it)"
    status=1
fi
if [ "$status" -eq 0 ]; then
    echo "OK: $count signature(s) valid (pdfsig) and chaining to $ca (openssl)"
fi
exit "$status"
