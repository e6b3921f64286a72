#!/usr/bin/env python3
"""similarity.py [--threshold T] [--min-tokens N] KIT CLASS - which hand-ins
of CLASS (one directory per student, as make grade CLASS=DIR reads it) look
alike in the code they wrote, for the instructor to look at; never a grade.

What a student wrote: each lesson file of a step, in that step (step03's
mount.c, not the copies later steps carry), less the lines the kit gives
(the kit's file outside its /* exercise: */ regions, aligned with difflib:
what the skeleton held). The kit's reference is the code inside those
regions. Both are normalized: comments and whitespace dropped, string and
character literals one token, every identifier one token but for C's
keywords, called functions (the system calls the lesson asks for) and
ALL_CAPS names (flags, macros), so renaming variables or reflowing lines
changes nothing. Two texts are compared by their shingles (runs of SHINGLE
tokens): |A & B| / |A | B|. A pair at or above the threshold, both sides
at least min-tokens long (a one-line TODO looks alike in every hand-in),
is flagged: each hand-in against the reference, and every two hand-ins.
Prints JSON: {"threshold", "min_tokens", "pairs": [{"a", "b", "file",
"score"}]}, b "(kit reference)" for the reference, sorted."""
import difflib
import glob
import json
import os
import re
import sys

SHINGLE = 4
LESSONS = {
    "01": ["uts.c"], "02": ["pid.c"], "03": ["mount.c"], "04": ["net.c"], "05": ["user.c"],
    "06": ["cgroup.c"], "07": ["overlay.c"], "08": ["ipc.c", "exec.c"], "09": ["security.c", "seccomp.c"],
}
KEYWORDS = set("""auto break case char const continue default do double else enum extern float for
goto if inline int long register restrict return short signed sizeof static struct switch typedef
union unsigned void volatile while _Bool bool NULL""".split())
TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|[A-Za-z_]\w*|\d\w*|->|\+\+|--|<<|>>|[<>=!]=|&&|\|\||\S')


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def tokens(code):
    toks = TOKEN.findall(code)
    out = []
    for i, t in enumerate(toks):
        if t[0] in "\"'":
            out.append("LIT")
        elif re.match(r"[A-Za-z_]", t) and t not in KEYWORDS and not re.match(r"^[A-Z][A-Z0-9_]+$", t) \
                and not (i + 1 < len(toks) and toks[i + 1] == "("):
            out.append("ID")
        else:
            out.append(t)
    return out


def split_reference(text):
    """(the given lines, the answer's code): outside and inside the regions."""
    given, answer, inside, in_hint = [], [], False, False
    for line in text.split("\n"):
        if not inside and re.match(r"^\s*/\* exercise: ", line):
            inside, in_hint = True, not line.rstrip().endswith("*/")
            continue
        if inside and in_hint:
            in_hint = not line.rstrip().endswith("*/")
            continue
        if inside and re.match(r"^\s*/\* end exercise \*/$", line):
            inside = False
            continue
        (answer if inside else given).append(line)
    return given, "\n".join(answer)


def norm_lines(lines):
    return [" ".join(l.split()) for l in strip_comments("\n".join(lines)).split("\n")]


def written(student_text, given):
    """The student's lines that the kit did not give."""
    ours = norm_lines(student_text.split("\n"))
    theirs = [l for l in norm_lines(given) if l]
    ours_nonblank = [l for l in ours if l]
    m = difflib.SequenceMatcher(None, theirs, ours_nonblank, autojunk=False)
    out = []
    for op, _, _, j1, j2 in m.get_opcodes():
        if op in ("replace", "insert"):
            out.extend(ours_nonblank[j1:j2])
    return "\n".join(out)


def shingles(toks):
    return {tuple(toks[i:i + SHINGLE]) for i in range(max(0, len(toks) - SHINGLE + 1))}


def score(a, b):
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def main(argv):
    threshold, min_tokens = 0.8, 15
    while argv and argv[0].startswith("--"):
        if argv[0] == "--threshold":
            threshold = float(argv[1])
        elif argv[0] == "--min-tokens":
            min_tokens = int(argv[1])
        else:
            sys.exit("similarity.py: unknown option " + argv[0])
        argv = argv[2:]
    if len(argv) != 2:
        sys.exit("usage: similarity.py [--threshold T] [--min-tokens N] KIT CLASS")
    kit, cls = argv
    students = sorted(d for d in os.listdir(cls)
                      if os.path.isdir(os.path.join(cls, d)) and re.match(r"^[A-Za-z0-9._@+-]+$", d))
    pairs = []
    for nn, files in sorted(LESSONS.items()):
        kit_step = glob.glob(os.path.join(kit, "step%s_*" % nn))
        if not kit_step:
            continue
        step = os.path.basename(kit_step[0])
        for f in files:
            ref_path = os.path.join(kit_step[0], f)
            if not os.path.isfile(ref_path):
                continue
            given, answer = split_reference(open(ref_path, errors="replace").read())
            ref = tokens(strip_comments(answer))
            mine = {}
            for s in students:
                p = glob.glob(os.path.join(cls, s, "step%s_*" % nn, f))
                if p and os.path.isfile(p[0]):
                    mine[s] = tokens(written(open(p[0], errors="replace").read(), given))
            names = sorted(mine)
            key = "%s/%s" % (step, f)
            for i, a in enumerate(names):
                others = [("(kit reference)", ref)] + [(b, mine[b]) for b in names[i + 1:]]
                for b, toks in others:
                    if len(mine[a]) < min_tokens or len(toks) < min_tokens:
                        continue
                    sc = score(mine[a], toks)
                    if sc >= threshold:
                        pairs.append({"a": a, "b": b, "file": key, "score": round(sc, 2)})
    pairs.sort(key=lambda p: (p["file"], p["a"], p["b"]))
    json.dump({"threshold": threshold, "min_tokens": min_tokens, "pairs": pairs}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
