import requests


def fetch(url):
    return url
