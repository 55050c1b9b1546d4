"""Seven exams in four slots and three rooms, with the Python API: a feasibility model (no objective) for CP-SAT.

Algebra, biology, chemistry and databases share students pairwise, so they need four different
slots; ``build(slots=3)`` is infeasible although nine room-slots would hold seven exams.
"""

import ormodel as om

EXAMS = ["algebra", "biology", "chemistry", "databases", "economics", "french", "geometry"]
STUDENTS = [120, 60, 45, 80, 30, 25, 50]
CLASHES = [("algebra", "biology"), ("algebra", "chemistry"), ("algebra", "databases"), ("biology", "chemistry"),
           ("biology", "databases"), ("chemistry", "databases"), ("economics", "french"), ("french", "geometry"),
           ("algebra", "geometry")]
UNAVAILABLE = {("chemistry", 1): 1, ("economics", 4): 1, ("geometry", 2): 1}  # the teacher cannot make the slot


def build(slots: int = 4) -> om.Model:
    model = om.Model("timetable")
    exams = model.set("exams", EXAMS)
    times = model.set("slots", range(1, slots + 1))
    rooms = model.set("rooms", ["hall", "lab", "annex"])
    clashes = model.set("clashes", CLASHES)
    students = model.parameter("students", exams, STUDENTS)
    seats = model.parameter("seats", rooms, [150, 60, 40])
    away = {key: value for key, value in UNAVAILABLE.items() if key[1] <= slots}
    unavailable = model.parameter("unavailable", (exams, times), away, default=0)
    sit = model.variable("sit", (exams, times, rooms), domain="binary")
    e, t, r = exams.index("e"), times.index("t"), rooms.index("r")
    a, b = clashes.indices("a", "b")
    model.feasibility()  # nothing to optimize: any timetable that keeps every rule
    model.constrain("held_once", om.sum(sit[e, t, r], over=(t, r)) == 1, for_each=e)
    model.constrain("one_exam_per_room", om.sum(sit[e, t, r], over=e) <= 1, for_each=(t, r))
    model.constrain("fits_the_room", students[e] * sit[e, t, r] <= seats[r], for_each=(e, t, r))
    model.constrain("no_clash", om.sum(sit[a, t, r] + sit[b, t, r], over=r) <= 1, for_each=("(a, b) in clashes", t))
    model.constrain("teacher_away", om.sum(sit[e, t, r], over=r) == 0, for_each=(e, t), where=unavailable[e, t] == 1)
    return model


if __name__ == "__main__":
    result = build().solve("cpsat")
    print(result.status.value, sorted(label for label, value in result.values_by_name(nonzero_only=True).items()))
