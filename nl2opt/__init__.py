"""ormodel.nl2opt"""
