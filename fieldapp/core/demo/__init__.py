"""Synthetic households, deterministic per seed, for trying the tool and for benchmarks.

Owns: generating plausible families (people, places, incomes, policies, visits, problems) and
writing them in bulk. May import: any core package below it.
"""
