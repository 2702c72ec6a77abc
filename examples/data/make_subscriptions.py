"""Writes examples/data/subscriptions.csv: a small synthetic churn data set with text (categorical)
features and imbalanced classes, for examples/subscriptions.toml. Standard library only,
deterministic (seeded); run from the repository root:

    /usr/bin/python3 examples/data/make_subscriptions.py

Columns: plan (basic / standard / premium), region (north / south / east / west), contract
(monthly / yearly), tenure_months (1..72), monthly_charge (dollars), support_calls (0..9), and
the target churned (yes / no, about 1 in 8 yes). Churn follows a logistic model of the plan, the
contract, the tenure and the support calls (region has no effect), so the minority class is
learnable but easily ignored by an unweighted classifier.
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "subscriptions.csv")


def main():
    rng = random.Random(20261201)
    rows = []
    for _ in range(800):
        plan = rng.choices(["basic", "standard", "premium"], weights=[5, 3, 2])[0]
        region = rng.choice(["north", "south", "east", "west"])
        contract = rng.choices(["monthly", "yearly"], weights=[3, 2])[0]
        tenure = rng.randint(1, 72)
        base = {"basic": 20.0, "standard": 45.0, "premium": 80.0}[plan]
        charge = round(base + rng.gauss(0.0, 5.0), 2)
        calls = min(9, int(rng.expovariate(0.6)))
        z = (-3.2 + {"basic": 0.9, "standard": 0.0, "premium": -0.6}[plan]
             + (1.3 if contract == "monthly" else -1.2) - 0.04 * tenure + 0.55 * calls)
        churned = "yes" if rng.random() < 1.0 / (1.0 + math.exp(-z)) else "no"
        rows.append([plan, region, contract, str(tenure), f"{charge:.2f}", str(calls), churned])
    with open(OUT, "w", newline="") as f:
        f.write("plan,region,contract,tenure_months,monthly_charge,support_calls,churned\n")
        for r in rows:
            f.write(",".join(r) + "\n")


if __name__ == "__main__":
    main()
