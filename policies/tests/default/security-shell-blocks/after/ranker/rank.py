import json
import subprocess


def rank(items):
    subprocess.run(f"echo {items}", shell=True)
    return sorted(items)
