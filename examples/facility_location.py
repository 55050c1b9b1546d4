"""Capacitated facility location with the Python API; the optimum is 505."""

import ormodel as om


def build() -> om.Model:
    model = om.Model("facility_location")
    depots = model.set("depots", ["north", "east", "south", "west"])
    customers = model.set("customers", range(1, 7))
    fixed_cost = model.parameter("fixed_cost", depots, [120, 100, 90, 110])
    capacity = model.parameter("capacity", depots, [70, 60, 50, 80])
    demand = model.parameter("demand", customers, [20, 25, 15, 30, 10, 20])
    unit_cost = model.parameter("unit_cost", (depots, customers),
                                [[2, 3, 6, 7, 5, 4], [5, 2, 3, 6, 4, 6], [7, 6, 2, 3, 5, 5], [3, 5, 6, 2, 2, 3]])
    open_ = model.variable("open", depots, domain="binary")
    flow = model.variable("flow", (depots, customers))
    d, c = depots.index("d"), customers.index("c")
    model.minimize(om.sum(fixed_cost[d] * open_[d], over=d) + om.sum(unit_cost[d, c] * flow[d, c], over=(d, c)))
    model.constrain("serve", om.sum(flow[d, c], over=d) == demand[c], for_each=c)
    model.constrain("depot_capacity", om.sum(flow[d, c], over=c) <= capacity[d] * open_[d], for_each=d)
    model.constrain("only_open", flow[d, c] <= demand[c] * open_[d], for_each=(d, c))
    return model


if __name__ == "__main__":
    print(build().solve().objective)
