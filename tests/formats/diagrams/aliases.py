import diagrams
import diagrams.onprem.database as db
from diagrams import Diagram as D
from diagrams import Edge
from diagrams.k8s.compute import Pod
from diagrams.onprem.queue import Kafka as Stream
from diagrams.programming.framework import *

with D("Aliases", direction="LR"):
    api = FastAPI("api")
    orders = db.PostgreSQL("orders")
    events = Stream("events")
    jobs = diagrams.onprem.queue.Celery("jobs")
    pod = Pod("sidecar")
    api >> orders
    api >> Edge(label="publish", style="dashed") >> events >> jobs
    api - pod
