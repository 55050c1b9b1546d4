"""Transportation (Dantzig / GAMS trnsport) with the Python API; the optimum is 153.675."""

import ormodel as om


def build() -> om.Model:
    model = om.Model("transportation")
    plants = model.set("plants", ["seattle", "san_diego"])
    markets = model.set("markets", ["new_york", "chicago", "topeka"])
    capacity = model.parameter("capacity", plants, [350, 600])
    demand = model.parameter("demand", markets, [325, 300, 275])
    distance = model.parameter("distance", (plants, markets), [[2.5, 1.7, 1.8], [2.5, 1.8, 1.4]])
    ship = model.variable("ship", (plants, markets))
    p, m = plants.index("p"), markets.index("m")
    model.minimize(om.sum(90 * distance[p, m] / 1000 * ship[p, m], over=(p, m)))
    model.constrain("supply", om.sum(ship[p, m], over=m) <= capacity[p], for_each=p)
    model.constrain("meet_demand", om.sum(ship[p, m], over=p) >= demand[m], for_each=m)
    return model


if __name__ == "__main__":
    result = build().solve()
    print(result.status.value, result.objective)
