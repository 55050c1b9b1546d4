"""Four workers, four jobs, with the Python API; the optimum is 13."""

import ormodel as om

COST = [[9, 2, 7, 8], [6, 4, 3, 7], [5, 8, 1, 8], [7, 6, 9, 4]]


def build() -> om.Model:
    model = om.Model("assignment")
    workers = model.set("workers", ["ann", "bob", "cal", "dee"])
    jobs = model.set("jobs", ["j1", "j2", "j3", "j4"])
    cost = model.parameter("cost", (workers, jobs), COST)
    assign = model.variable("assign", (workers, jobs), domain="binary")
    w, j = workers.index("w"), jobs.index("j")
    model.minimize(om.sum(cost[w, j] * assign[w, j], over=(w, j)))
    model.constrain("one_job_each", om.sum(assign[w, j], over=j) == 1, for_each=w)
    model.constrain("one_worker_each", om.sum(assign[w, j], over=w) == 1, for_each=j)
    return model


if __name__ == "__main__":
    print(build().solve().objective)
