#!/bin/sh
# Check a signed ledger PDF without fieldapp or pyHanko: poppler's pdfsig checks each signature
# against the bytes it covers, and openssl checks the same CMS signature again and that the
# signer's certificate chains to the headquarters CA (which pdfsig cannot, having no NSS
# database with that CA).
#
#   sh tools/verify_ledger_independently.sh LEDGER.pdf CA.pem
#
# CA.pem comes from headquarters: `fieldapp hq ca-cert > CA.pem`. Exit 0 only if every filled
# signature is valid for pdfsig and for openssl with CA.pem, and the last one covers the whole
# file (so nothing, not even validation information, was added after it). An empty signature
# field (a ledger not yet countersigned) is reported, not failed. This script does not know about
# revocations or timestamps: `fieldapp verify` checks those. Needs poppler-utils and openssl.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 LEDGER.pdf CA.pem" >&2
    exit 2
fi
pdf=$1
ca=$2
for tool in pdfsig openssl awk; do
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

# One line per filled signature: its number in pdfsig's list, the two signed ranges, and
# whether pdfsig found it valid. Empty fields have no ranges and are counted apart.
awk '
function flush() { if (idx != "" && ranges != "") print idx, ranges, valid }
/^Signature #[0-9]+:/ { flush(); idx = $2; gsub(/[^0-9]/, "", idx); ranges = ""; valid = 0; next }
/Signed Ranges:/ { ranges = $0; gsub(/[^0-9]+/, " ", ranges) }
/Signature Validation: Signature is Valid\./ { valid = 1 }
END { flush() }
' "$report" >"$work/signed.txt"
count=$(wc -l <"$work/signed.txt" | tr -d ' ')
empty=$(grep -c "The signature form field is not signed" "$report" || true)
if [ "$count" -eq 0 ]; then
    echo "FAIL: no signatures"
    exit 1
fi
if [ "$empty" -gt 0 ]; then
    echo "note: $empty empty signature field(s), e.g. not yet countersigned"
fi

# pdfsig -dump writes FILE.sigN for each filled field, numbered like its list, and exits 3 when
# it meets an empty field: that is not a failure here.
absolute="$(cd "$(dirname "$pdf")" && pwd)/$(basename "$pdf")"
(cd "$work" && pdfsig -dump "$absolute" >/dev/null 2>&1) || true
size=$(wc -c <"$pdf" | tr -d ' ')
status=0
last_end=0
while read -r number a b c d valid; do
    sig="$work/$(basename "$pdf").sig$((number - 1))"
    content="$work/content$number.bin"
    { tail -c +"$((a + 1))" "$pdf" | head -c "$((b - a))"; tail -c +"$((c + 1))" "$pdf" | head -c "$((d - c))"; } >"$content"
    if [ "$valid" -ne 1 ]; then
        echo "signature $number: pdfsig says NOT valid"
        status=1
    fi
    if [ -f "$sig" ] && openssl cms -verify -inform DER -in "$sig" -content "$content" -binary \
        -CAfile "$ca" -purpose any -out /dev/null >"$work/openssl$number.txt" 2>&1; then
        echo "signature $number: openssl OK (chains to $ca)"
    else
        echo "signature $number: openssl FAILED"
        grep -v NSS_Shutdown "$work/openssl$number.txt" 2>/dev/null || true
        status=1
    fi
    if [ "$d" -gt "$last_end" ]; then
        last_end=$d
    fi
done <"$work/signed.txt"
if [ "$last_end" -ne "$size" ]; then
    echo "FAIL: the last signature does not cover the whole file (bytes were added after it)"
    status=1
fi
if [ "$status" -eq 0 ]; then
    echo "OK: $count signature(s) valid (pdfsig) and chaining to $ca (openssl)"
else
    echo "FAIL: see above"
fi
exit "$status"
