#!/bin/sh
# Keeps kvswebrtc.h navigable (style guide 3.13):
# - the table of contents in the prologue and the section banners list the same sections, with the
#   same numbers, in the same order, numbered 1..N;
# - every anchor is unique;
# - no section is longer than MAX_LINES lines;
# - a private function kvs__<tag>_... is defined only in the section whose anchor is <tag>
#   (a split section ">>x-part" holds kvs__x_ names; plat-posix holds kvs__posix_; the prelude
#   holds the cursor and byte-order helpers).
# Usage: tools/check_sections.sh kvswebrtc.h
f=${1:-kvswebrtc.h}
MAX_LINES=${MAX_LINES:-1500}
awk -v max="$MAX_LINES" '
function fail(msg) { print "check_sections: " msg; bad = 1 }
/^#ifndef KVSWEBRTC_H_INCLUDED/ { in_prologue = 0; done_prologue = 1 }
NR == 1 { in_prologue = 1 }
in_prologue && /^ +\[[0-9]+\] +>>[a-z0-9-]+ / {
    n = $1; gsub(/[\[\]]/, "", n); toc_num[++ntoc] = n; toc_anchor[ntoc] = $2
}
/^\/\* ==== \[[0-9]+\] >>[a-z0-9-]+ / {
    n = $3; gsub(/[\[\]]/, "", n)
    if (nban > 0) len[nban] = NR - start[nban]
    ban_num[++nban] = n; ban_anchor[nban] = $4; start[nban] = NR
    if ($4 in seen) fail("anchor " $4 " appears in two banners")
    seen[$4] = 1
    tag = substr($4, 3); if (tag == "plat-posix") tag = "posix"; else sub(/-.*/, "", tag)
    cur_tag = tag
}
/^KVS_PRIVATE / && nban > 0 {
    line = $0
    if (match(line, /kvs__[a-z0-9]+_[a-z0-9_]*\(/)) {
        name = substr(line, RSTART, RLENGTH - 1)
        split(name, parts, "_"); p = parts[3]
        if (cur_tag != "prelude" && p != cur_tag)
            fail(name " is defined in >>" cur_tag " (line " NR "), its prefix says >>" p)
    }
}
END {
    if (nban > 0) len[nban] = NR - start[nban]
    if (ntoc == 0) fail("no table of contents found")
    if (ntoc != nban) fail("the table of contents lists " ntoc " sections, the file has " nban " banners")
    for (i = 1; i <= ntoc && i <= nban; i++) {
        if (toc_num[i] != i) fail("table of contents entry " i " is numbered " toc_num[i])
        if (ban_num[i] != i) fail("banner " i " (" ban_anchor[i] ") is numbered " ban_num[i])
        if (toc_anchor[i] != ban_anchor[i]) fail("section " i ": table of contents says " toc_anchor[i] ", banner says " ban_anchor[i])
    }
    for (i = 1; i <= nban; i++)
        if (len[i] > max) fail("section " ban_anchor[i] " has " len[i] " lines (limit " max "): split it")
    if (!bad) {
        printf "check_sections: %d sections, table of contents and banners agree\n", nban
        for (i = 1; i <= nban; i++) printf "  [%d] %-14s %5d lines\n", ban_num[i], ban_anchor[i], len[i]
    }
    exit bad
}' "$f"
