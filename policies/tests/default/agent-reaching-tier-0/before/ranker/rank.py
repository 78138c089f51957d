import json


def rank(items):
    return sorted(items)
