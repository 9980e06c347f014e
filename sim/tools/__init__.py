"""The tools around the model: calibration, validation, comparison of sweeps, benchmarks.

Each runs the model through its public entry points (the config helper
:func:`sim.config.make_config`, :class:`sim.model.SmartCityModel`, the output tables) and
never reaches into a process. The commands are ``python -m sim.calibrate``,
``python -m sim.validate``, ``python -m sim.compare`` and ``python -m sim.bench``
(thin entry modules beside ``sim/__main__.py``).
"""
