from diagrams import Cluster, Diagram
from diagrams.aws.compute import Lambda
from diagrams.aws.integration import SQS

REGIONS = ["eu", "us"]
COUNT = 3

with Diagram("Fan out"):
    queue = SQS("jobs")
    handlers = [Lambda(f"handler {i + 1}") for i in range(COUNT)]
    for handler in handlers:
        queue >> handler
    shards = []
    for name in REGIONS:
        with Cluster(f"region {name.upper() if False else name}"):
            shards.append(SQS(f"{name} queue"))
    queue >> shards
    for i, shard in enumerate(shards):
        if i == 0:
            shard >> handlers[0]
