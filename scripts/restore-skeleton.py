#!/usr/bin/env python3
"""restore-skeleton.py SOLUTION_FILE SKELETON_FILE STEP [--only N,...] - puts
the solution's lines back into a skeleton's file, mechanically, from the
markers: each TODO(stepNN) block (its hint and stub) becomes the solution's
marked region, in order, and each static helper the skeleton dropped comes
back where it was. Prints the result; exits 1 if the skeleton differs from
the solution anywhere else (then the skeleton was not derived from these
markers).
tests/grading/grading.bats compares the result with the solution, byte for
byte: the skeleton's TODOs are exactly the lesson, nothing else changed.
--only N,...: only the TODOs numbered so ("N. " starts their hint; none: an
empty list) are put back, a learner's state after those TODOs; a dropped
helper comes back only if the code then calls it (as the compiler would
have it: -Werror, "defined but not used"). tests/grading/todo-checks.bats
builds each such state and runs its TODOs' checks."""
import difflib
import re
import sys

args = sys.argv[1:]
only = None
if len(args) == 5 and args[3] == "--only":
    only = {int(n) for n in args[4].split(",") if n}
    args = args[:3]
if len(args) != 3:
    sys.exit("usage: restore-skeleton.py SOLUTION_FILE SKELETON_FILE STEP [--only N,...]")
solution_path, skeleton_path, step = args
solution = open(solution_path).read().split("\n")
skeleton = open(skeleton_path).read().split("\n")


def regions(lines):
    """(start, end) of each /* exercise: */ ... /* end exercise */ region, end exclusive."""
    out, start = [], None
    for i, line in enumerate(lines):
        if start is None and re.match(r"^\s*/\* exercise: ", line):
            start = i
        elif start is not None and re.match(r"^\s*/\* end exercise \*/$", line):
            out.append((start, i + 1))
            start = None
    return out


def todo_blocks(lines):
    """(start, end) of each TODO block: the hint comment, then the stub lines."""
    out, i = [], 0
    while i < len(lines):
        if re.match(r"^\s*/\* TODO\(step%s\): " % step, lines[i]):
            start = i
            while not lines[i].rstrip().endswith("*/"):
                i += 1
            i += 1
            # the stub: (void)p; lines, the TODO trace, and the statement after it
            while i < len(lines) and re.match(r"^\s*\(void\)\w+;$", lines[i]):
                i += 1
            if i < len(lines) and ('"TODO(step%s): ' % step) in lines[i]:
                i += 2 if not lines[i + 1].strip() == "}" else 1
            out.append((start, i))
        else:
            i += 1
    return out


sol_regions, sk_blocks = regions(solution), todo_blocks(skeleton)
if len(sol_regions) != len(sk_blocks):
    sys.exit(f"{skeleton_path}: {len(sk_blocks)} TODOs, the solution has {len(sol_regions)} regions")

# The skeleton with each TODO block replaced by the solution's region.
restored, last, region_at = [], 0, {}
for r, ((s_start, s_end), (k_start, k_end)) in enumerate(zip(sol_regions, sk_blocks)):
    restored += skeleton[last:k_start]
    for i in range(s_start, s_end):
        region_at[len(restored)] = r
        restored.append(solution[i])
    last = k_end
restored += skeleton[last:]

# What is still missing must be whole definitions (the dropped helpers).
# Each line tagged: ("region", r), ("helper", h) or None (the skeleton's).
matcher = difflib.SequenceMatcher(None, solution, restored, autojunk=False)
ops = [list(op) for op in matcher.get_opcodes()]
# A deleted block difflib began with the tail of the function above (its "}"
# and a blank line, the same as the deleted block's own end): slid down to
# start where the helper does.
for i, (op, a1, a2, b1, b2) in enumerate(ops):
    if op == "delete" and 0 < i < len(ops) - 1 and ops[i - 1][0] == ops[i + 1][0] == "equal":
        while a2 < ops[i + 1][2] and solution[a1] == solution[a2] and \
                not re.match(r"[A-Za-z_/]", solution[a1]):
            ops[i - 1][2] += 1
            ops[i - 1][4] += 1
            a1, a2 = a1 + 1, a2 + 1
            ops[i + 1][1] += 1
            ops[i + 1][3] += 1
        ops[i] = [op, a1, a2, ops[i - 1][4], ops[i - 1][4]]
tagged, helpers = [], []
for op, a1, a2, b1, b2 in ops:
    if op == "equal":
        tagged += [(restored[b], ("region", region_at[b]) if b in region_at else None)
                   for b in range(b1, b2)]
    elif op == "delete" and (solution[a2 - 1] in ("}", "") or solution[a2 - 1].endswith(";")):
        # a dropped helper, back where it was; several in a row, each on its own
        # (a definition starts at column 0 after a blank line)
        for i in range(a1, a2):
            if i == a1 or (solution[i - 1] == "" and re.match(r"[A-Za-z_/]", solution[i])):
                helpers.append([])
            tagged.append((solution[i], ("helper", len(helpers) - 1)))
            helpers[-1].append(solution[i])
    else:
        sys.exit(f"{skeleton_path}: differs from the solution outside its TODOs: "
                 f"{op} at line {b1 + 1}: {restored[b1:b2][:3]}")
if only is None:
    print("\n".join(line for line, _ in tagged), end="")
    sys.exit(0)


def number(r):
    """A region's TODO number: the "N. " its hint starts with (99: none, as exercise.sh)."""
    m = re.match(r"^\s*/\* exercise: (\d+)\. ", solution[sol_regions[r][0]])
    return int(m.group(1)) if m else 99


# The TODOs not in ONLY stay the skeleton's blocks.
parts, seen = [], set()  # (helper or None, lines)
for line, tag in tagged:
    if tag and tag[0] == "region" and number(tag[1]) not in only:
        if tag[1] not in seen:
            seen.add(tag[1])
            k_start, k_end = sk_blocks[tag[1]]
            parts.append((None, skeleton[k_start:k_end]))
    else:
        parts.append((tag[1] if tag and tag[0] == "helper" else None, [line]))


def code(lines):
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", "\n".join(lines), flags=re.S))


def names(lines):
    return re.findall(r"^static\b[^=(\[;]*?\b(\w+)\s*[(\[=;]", code(lines), flags=re.M)


# A helper stays only while the rest calls it; one may be the last user of another.
kept = set(range(len(helpers)))
while True:
    unused = {h for h in kept if names(helpers[h])
              and not any(re.search(r"\b%s\b" % n,
                                   code([l for part, ls in parts if part != h and (part is None or part in kept)
                                         for l in ls]))
                         for n in names(helpers[h]))}
    if not unused:
        break
    kept -= unused
print("\n".join(l for part, ls in parts if part is None or part in kept for l in ls), end="")
