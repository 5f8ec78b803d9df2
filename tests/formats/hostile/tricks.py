import os

from diagrams import Cluster, Diagram
from diagrams.aws.compute import EC2


def evil(x=os.system("touch /tmp/archboard-pwned"), y=open("/etc/passwd")):
    return EC2(x)


@__import__("os").system
def decorated():
    pass


class Evil(EC2, metaclass=type(exec("import os"))):
    attr = os.system("id")


with Diagram(f"{__import__('os').getcwd()}", graph_attr={"label": open("/etc/hostname").read()}):
    a = EC2(f"{open('/etc/passwd').read()}")
    b = EC2(__import__("os").environ["HOME"])
    c = getattr(__builtins__, "exec")("print(1)")
    d = EC2("safe")
    (lambda: os.system("id"))()
    [os.system("id") for _ in range(3)]
    e = EC2(f"{d!r:>{10 ** 9}}")
    f = EC2("x" * 10 ** 9)
    g = ().__class__.__bases__[0].__subclasses__()
    h = diagrams.__loader__.exec_module(os)
    with Cluster(os.popen("id").read()):
        i = EC2("inside")
    with open("/tmp/archboard-pwned", "w") as handle:
        handle.write("pwned")
    d >> EC2(eval("'evaluated'")) >> i
    while True:
        os.system("id")
