"""Each line would do harm if this script ran; reading it must do none."""

import os
import subprocess

__import__("os").system("touch /tmp/archboard-pwned")
exec("import os; os.system('touch /tmp/archboard-pwned')")
eval("__import__('os').system('id')")
open("/etc/passwd").read()
os.system("touch /tmp/archboard-pwned")
subprocess.run(["touch", "/tmp/archboard-pwned"])
