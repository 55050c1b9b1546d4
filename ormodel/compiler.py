"""Placeholder replaced below."""
from ormodel.standard_form import StandardForm

def as_standard_form(model):
    if isinstance(model, StandardForm):
        return model
    raise TypeError("expected a StandardForm")
