"""A web tier behind DNS and a load balancer; clusters nested two deep."""

from diagrams import Cluster, Diagram
from diagrams.aws.compute import ECS
from diagrams.aws.database import RDS
from diagrams.aws.network import ELB, Route53
from diagrams.onprem.inmemory import Redis

with Diagram("Clustered web", show=False, direction="TB"):
    dns = Route53("dns")
    lb = ELB("lb")

    with Cluster("Services"):
        web = [ECS("web1"), ECS("web2"), ECS("web3")]

    with Cluster("Data"):
        with Cluster("Primary"):
            db = RDS("orders db")
        cache = Redis("sessions")

    dns >> lb >> web
    web >> db
    web >> cache
