import os
import random

from diagrams import Diagram
from diagrams.aws.compute import EC2


def make(name):
    return EC2(name)


with Diagram(os.environ.get("TITLE", "dynamic")):
    first = EC2("first")
    second = make("second")
    for i in range(random.randint(1, 3)):
        EC2(f"worker {i}")
    if random.random() > 0.5:
        EC2("maybe")
    while True:
        break
    first >> second
