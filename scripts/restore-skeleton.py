#!/usr/bin/env python3
"""restore-skeleton.py SOLUTION_FILE SKELETON_FILE STEP - puts the solution's
lines back into a skeleton's file, mechanically, from the markers: each
TODO(stepNN) block (its hint and stub) becomes the solution's marked region,
in order, and each static helper the skeleton dropped comes back where it
was. Prints the result; exits 1 if the skeleton differs from the solution
anywhere else (then the skeleton was not derived from these markers).
tests/grading/grading.bats compares the result with the solution, byte for
byte: the skeleton's TODOs are exactly the lesson, nothing else changed."""
import difflib
import re
import sys

solution_path, skeleton_path, step = sys.argv[1:]
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
restored, last = [], 0
for (s_start, s_end), (k_start, k_end) in zip(sol_regions, sk_blocks):
    restored += skeleton[last:k_start] + solution[s_start:s_end]
    last = k_end
restored += skeleton[last:]

# What is still missing must be whole definitions (the dropped helpers).
matcher = difflib.SequenceMatcher(None, solution, restored, autojunk=False)
result = []
for op, a1, a2, b1, b2 in matcher.get_opcodes():
    if op == "equal":
        result += restored[b1:b2]
    elif op == "delete" and (solution[a2 - 1] in ("}", "") or solution[a2 - 1].endswith(";")):
        result += solution[a1:a2]  # a dropped helper, back where it was
    else:
        sys.exit(f"{skeleton_path}: differs from the solution outside its TODOs: "
                 f"{op} at line {b1 + 1}: {restored[b1:b2][:3]}")
print("\n".join(result), end="")
