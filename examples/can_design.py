"""The least sheet metal for a one-litre can, with the Python API: a nonlinear model solved by SCIP (optimum 6πr², r = (V/2π)^(1/3))."""

import math

import ormodel as om


def build(volume: float = 1000.0) -> om.Model:
    model = om.Model("can_design")
    litres = model.parameter("volume", values=volume)
    pi = model.parameter("pi", values=math.pi)
    radius = model.variable("radius", lower=1, upper=20)
    height = model.variable("height", lower=1, upper=50)
    model.minimize(2 * pi * radius**2 + 2 * pi * radius * height)
    model.constrain("holds_the_volume", pi * radius**2 * height == litres)
    return model


if __name__ == "__main__":
    print(build().solve("auto").objective)
