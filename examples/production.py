"""Wyndor Glass product mix with the Python API; the optimum is 36."""

import ormodel as om


def build() -> om.Model:
    model = om.Model("production")
    products = model.set("products", ["doors", "windows"])
    plants = model.set("plants", ["plant1", "plant2", "plant3"])
    profit = model.parameter("profit", products, [3, 5])
    hours = model.parameter("hours", (plants, products), [[1, 0], [0, 2], [3, 2]])
    available = model.parameter("available", plants, [4, 12, 18])
    make = model.variable("make", products)
    p, k = products.index("p"), plants.index("k")
    model.maximize(om.sum(profit[p] * make[p], over=p))
    model.constrain("plant_hours", om.sum(hours[k, p] * make[p], over=p) <= available[k], for_each=k)
    return model


if __name__ == "__main__":
    print(build().solve().objective)
