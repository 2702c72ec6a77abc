#!/usr/bin/python3
"""Writes the two synthetic example data sets (run from the repository root):
  examples/data/xor.csv  the four XOR cases (a, b -> y)
  examples/data/sin.csv  y = sin(x) on 401 evenly spaced x in [-pi, pi]
Only the Python standard library is used."""
import math

with open("examples/data/xor.csv", "w") as f:
    f.write("a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")

with open("examples/data/sin.csv", "w") as f:
    f.write("x,y\n")
    n = 401
    for i in range(n):
        x = -math.pi + 2 * math.pi * i / (n - 1)
        f.write(f"{x!r},{math.sin(x)!r}\n")
