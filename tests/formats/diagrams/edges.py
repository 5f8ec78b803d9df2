from diagrams import Diagram, Edge
from diagrams.onprem.compute import Server
from diagrams.onprem.inmemory import Redis
from diagrams.onprem.monitoring import Grafana, Prometheus
from diagrams.onprem.network import Nginx

with Diagram("Edges"):
    ingress = Nginx("ingress")
    metrics = Prometheus("metrics")
    metrics << Edge(color="firebrick", style="dashed") << Grafana("dashboards")
    grpc = [Server("grpc1"), Server("grpc2")]
    primary = Redis("session")
    primary - Edge(color="brown", style="dotted") - Redis("replica")
    ingress >> Edge(label="gRPC") >> grpc
    grpc >> Edge(color="#B03A2E") >> primary
    [ingress] >> [primary]
    ingress << metrics
    ingress >> Edge(forward=True, reverse=True) >> metrics
