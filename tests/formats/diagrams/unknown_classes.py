from diagrams import Diagram
from diagrams.aws.analytics import Redshift
from diagrams.custom import Custom
from diagrams.gcp.iot import IotCore
from diagrams.saas.identity import Auth0

with Diagram("Outside the palette"):
    warehouse = Redshift("warehouse")
    devices = IotCore("devices")
    payments = Custom("Payments", "./stripe.png")
    login = Auth0("login")
    devices >> warehouse
    login >> payments
