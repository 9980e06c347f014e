"""Numba kernels: pure functions over household and firm columns.

Threads wait passively. OpenMP (Numba's default threading layer here) lets idle threads
spin at the end of every parallel region; when the cores are shared with other processes
(a second run, a sweep's workers, a test suite) the spinning threads steal the CPU the
working ones need. Measured on a 2-core machine under load (migration kernel): 300 k
households 2.6 ms serial, 306 ms parallel with spinning, 10 ms with passive waiting; 20 M
households 0.23 s serial, 0.57 s spinning, 0.23 s passive. When the machine is idle passive
waiting costs only a thread wake-up per region (tens of microseconds). An explicit
``OMP_WAIT_POLICY`` in the environment is respected; the setting only takes effect if no
parallel kernel has run in this process before ``sim.kernels`` is imported.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
