"""ormodel.datasets"""
