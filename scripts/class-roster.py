#!/usr/bin/env python3
"""class-roster.py ROSTER DIR - the class's grades (DIR/class.json, written by
scripts/grade-class.sh) with each student's LMS identity, in the layouts the
LMS grade imports read. ROSTER is a CSV file with a header row naming its
columns, in any order:
    handin        the hand-in's directory name under CLASS (required)
    email         the student's email address (Moodle matches on it)
    name          the student's name, as the LMS shows it
    canvas_id     Canvas's numeric user id (its export's "ID" column)
    sis_user_id   the institution's id (Canvas "SIS User ID")
    sis_login_id  the login (Canvas "SIS Login ID")
    section       the course section (Canvas "Section")
Writes, in DIR:
    class.csv         student, lms_id (the SIS user id, else the Canvas id),
                      email, then the points as before
    class-canvas.csv  Student, ID, SIS User ID, SIS Login ID, Section, then
                      one column per step and exercise and the total: the
                      Canvas gradebook's export layout, which its import reads
    class-moodle.csv  Email address, then the same columns: Moodle's CSV
                      import, "Identify user by" Email address
A hand-in missing from the roster keeps its row in class.csv, with empty
ids, and is left out of the LMS files; a student of the roster with no
hand-in is listed in neither. Both are named on stderr."""
import csv
import json
import os
import sys

if len(sys.argv) != 3:
    sys.exit("usage: class-roster.py ROSTER DIR")
roster_path, out = sys.argv[1:]
with open(roster_path, newline="", encoding="utf-8-sig") as f:
    rows = list(csv.DictReader(f))
if not rows or "handin" not in rows[0]:
    sys.exit("class-roster.py: %s: no header row naming a handin column" % roster_path)
roster = {}
for r in rows:
    r = {k.strip(): (v or "").strip() for k, v in r.items() if k}
    if r["handin"]:
        roster[r["handin"]] = r
cls = json.load(open(os.path.join(out, "class.json")))
columns = cls["steps"] + cls["exercises"]


def points(st):
    return ["" if c.get("missing") else c["points"] for c in st["cells"]]


def write(name, header, rows, quoting=csv.QUOTE_MINIMAL):
    with open(os.path.join(out, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n", quoting=quoting)
        w.writerow(header)
        w.writerows(rows)


students = cls["students"]
for st in students:
    if st["student"] not in roster:
        print("class-roster.py: %s: not in %s: no LMS id" % (st["student"], roster_path), file=sys.stderr)
graded = {st["student"] for st in students}
for name in sorted(set(roster) - graded):
    print("class-roster.py: %s (roster): no hand-in" % name, file=sys.stderr)

label = ["container kit: " + c for c in columns] + ["container kit: total"]
write("class.csv", ["student", "lms_id", "email"] + columns + ["points", "max_points"],
      [[st["student"], roster.get(st["student"], {}).get("sis_user_id") or roster.get(st["student"], {}).get("canvas_id", ""),
        roster.get(st["student"], {}).get("email", "")] + points(st) + [st["points"], st["max_points"]]
       for st in students], csv.QUOTE_NONNUMERIC)  # as jq's @csv wrote it
known = [st for st in students if st["student"] in roster]
write("class-canvas.csv", ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] + label,
      [[roster[st["student"]].get(k, "") for k in ("name", "canvas_id", "sis_user_id", "sis_login_id", "section")]
       + points(st) + [st["points"]] for st in known])
write("class-moodle.csv", ["Email address"] + label,
      [[roster[st["student"]].get("email", "")] + points(st) + [st["points"]] for st in known])
