"""ormodel.learned"""
