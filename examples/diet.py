"""A small diet problem with nutrient ranges, with the Python API."""

import ormodel as om

FOODS = ["bread", "milk", "cheese", "potato", "fish", "yogurt"]
COST = [2.0, 3.5, 8.0, 1.5, 11.0, 1.0]
CONTENT = [[65, 110, 100, 90, 150, 75], [2.0, 6.0, 7.0, 1.5, 22.0, 3.0], [5, 300, 200, 10, 12, 150]]


def build() -> om.Model:
    model = om.Model("diet")
    foods = model.set("foods", FOODS)
    nutrients = model.set("nutrients", ["calories", "protein", "calcium"])
    cost = model.parameter("cost", foods, COST)
    content = model.parameter("content", (nutrients, foods), CONTENT)
    minimum = model.parameter("minimum", nutrients, [2000, 55, 800])
    maximum = model.parameter("maximum", nutrients, [2500, 120, 1600])
    servings = model.variable("servings", foods, upper=10)
    f, n = foods.index("f"), nutrients.index("n")
    model.minimize(om.sum(cost[f] * servings[f], over=f))
    model.constrain("nutrient_range", (minimum[n] <= om.sum(content[n, f] * servings[f], over=f)) <= maximum[n], for_each=n)
    return model


if __name__ == "__main__":
    print(build().solve().objective)
