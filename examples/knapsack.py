"""0-1 knapsack with the Python API (text expressions work too); the optimum is 295."""

import ormodel as om

VALUE = [55, 10, 47, 5, 4, 50, 8, 61, 85, 87]
WEIGHT = [95, 4, 60, 32, 23, 72, 80, 62, 65, 46]


def build() -> om.Model:
    model = om.Model("knapsack")
    items = model.set("items", range(1, 11))
    model.parameter("value", items, VALUE)
    model.parameter("weight", items, WEIGHT)
    model.parameter("capacity", values=269)
    model.variable("take", items, domain="binary")
    model.maximize("sum(value[i] * take[i] for i in items)")
    model.constrain("capacity_limit", "sum(weight[i] * take[i] for i in items) <= capacity")
    return model


if __name__ == "__main__":
    print(build().solve().objective)
