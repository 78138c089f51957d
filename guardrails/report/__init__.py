"""Reporters: read result objects, print them. They never compute impact or findings."""
