"""A --plugins module that writes one line of TensorFlow's native start-up chatter to fd 2 when imported.

TensorFlow prints its oneDNN notice only on CPUs where it turns oneDNN's
options on (AVX-512 VNNI/BF16 or AMX), so a test that waited for the real
line would test the machine; this line reaches stderr the way native lines
do, on any CPU, after gan-lab has installed (or, verbose, skipped) its filter.
"""

import os

LINE = "I0000 00:00:1795570358.266360   29296 port.cc:153] oneDNN custom operations are on (native_chatter_plugin)."
os.write(2, (LINE + "\n").encode())
