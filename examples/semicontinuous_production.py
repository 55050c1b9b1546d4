"""Plants that are off or run between a minimum and their capacity (semi-continuous), with the Python API; the optimum is 530."""

import ormodel as om


def build() -> om.Model:
    model = om.Model("semicontinuous_production")
    plants = model.set("plants", ["plant1", "plant2", "plant3"])
    unit_cost = model.parameter("unit_cost", plants, [4, 5, 7])
    min_run = model.parameter("min_run", plants, [40, 30, 10])
    capacity = model.parameter("capacity", plants, [100, 80, 60])
    make = model.variable("make", plants, domain="semicontinuous", lower=min_run, upper=capacity)
    p = plants.index("p")
    model.minimize(om.sum(unit_cost[p] * make[p], over=p))
    model.constrain("meet_demand", om.sum(make[p], over=p) >= 125)
    return model


if __name__ == "__main__":
    print(build().solve().objective)
