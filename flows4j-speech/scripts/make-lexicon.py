#!/usr/bin/python3
"""Derives flows4j-speech's shipped lexicon from festival's CMU lexicon (Debian package festlex-cmu).

usage: make-lexicon.py [CMUDICT_OUT [CMULEX_SCM [OUT_GZ]]]
  defaults: /usr/share/festival/dicts/cmu/cmudict-0.4.out,
            /usr/share/festival/dicts/cmu/cmulex.scm,
            src/main/resources/io/flows4j/speech/text/cmudict-festival.txt.gz (beside this script)

Output: gzipped UTF-8 text, one word per line, "word<TAB>phone phone ...", sorted by word, in
festival's phone set (stress marks and syllable structure dropped). Each word keeps its FIRST
entry in cmudict-0.4.out; the entries festival adds in cmulex.scm (its addenda: contractions,
abbreviations and a few others; the first addenda entry of a word) replace it, as festival's
addenda take precedence. Words are lower-cased.
Deterministic: the gzip header carries no time stamp or file name.
"""
import gzip
import io
import os
import re
import sys

here = os.path.dirname(os.path.abspath(__file__))
src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/festival/dicts/cmu/cmudict-0.4.out"
scm = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/festival/dicts/cmu/cmulex.scm"
out = sys.argv[3] if len(sys.argv) > 3 else os.path.join(
    here, "..", "src", "main", "resources", "io", "flows4j", "speech", "text",
    "cmudict-festival.txt.gz")

PHONES = set("aa ae ah ao aw ax ay b ch d dh eh er ey f g hh ih iy jh k l m n ng ow oy p r s sh t "
             "th uh uw v w y z zh".split())
ENTRY = re.compile(r'^\("((?:[^"\\]|\\.)*)" (\S+) \((.*)\)\)\s*$')
SYLLABLE = re.compile(r"\(\(([^()]*)\) \d\)")


def phones_of(body, where):
    ph = []
    for syl in SYLLABLE.findall(body):
        ph.extend(syl.split())
    bad = [p for p in ph if p not in PHONES]
    if bad or not ph:
        raise SystemExit("%s: unexpected phones %s" % (where, bad or "none"))
    return ph


lex = {}
with open(src, encoding="latin-1") as f:
    for n, line in enumerate(f, 1):
        m = ENTRY.match(line)
        if not m:
            continue  # the "MNCL" header line
        word = m.group(1).lower()
        if word not in lex:
            lex[word] = phones_of(m.group(3), "%s:%d" % (src, n))
added = {}
with open(scm, encoding="latin-1") as f:
    for n, line in enumerate(f, 1):
        if line.lstrip().startswith(";"):
            continue  # commented out in festival too
        m = re.search(r"(?:lex\.add\.entry\s+)?'(\(\".*\))\)\s*$", line)
        if m:
            e = ENTRY.match(m.group(1))
            if e and e.group(1).strip() and e.group(1).lower() not in added:
                added[e.group(1).lower()] = phones_of(e.group(3), "%s:%d" % (scm, n))
lex.update(added)
added = len(added)
for w in lex:
    if any(c in w for c in "\t\n "):
        raise SystemExit("word with white space: %r" % w)
text = "".join("%s\t%s\n" % (w, " ".join(lex[w])) for w in sorted(lex))
buf = io.BytesIO()
with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as g:
    g.write(text.encode("utf-8"))
with open(out, "wb") as f:
    f.write(buf.getvalue())
print("%d words (%d from cmulex.scm addenda) -> %s (%d bytes)" % (len(lex), added, out,
                                                                  len(buf.getvalue())))
