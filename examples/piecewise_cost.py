"""Product mix with a piecewise-linear (quantity-discount) material cost, with the Python API; the optimum is 280."""

import ormodel as om


def build() -> om.Model:
    model = om.Model("piecewise_cost")
    products = model.set("products", ["doors", "windows"])
    profit = model.parameter("profit", products, [12, 8])
    material = model.parameter("material", products, [2, 1.5])
    make = model.variable("make", products)
    buy = model.variable("buy", upper=100)
    p = products.index("p")
    cost = om.piecewise(buy, [0, 30, 60, 100], [0, 150, 240, 320])
    model.maximize(om.sum(profit[p] * make[p], over=p) - cost)
    model.constrain("hours", om.sum(make[p], over=p) <= 60)
    model.constrain("enough_material", om.sum(material[p] * make[p], over=p) <= buy)
    return model


if __name__ == "__main__":
    print(build().solve().objective)
