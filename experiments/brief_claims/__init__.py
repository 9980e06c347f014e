"""Which of the brief's claims hold, and when: an exploratory study (issue 16).

``run.py`` is the command; ``space`` reads the uncertainty space, ``worlds`` simulates
a world's scenarios (resumably), ``analysis`` turns outcomes into claims, PRIM boxes,
feature scores, break-even values and regret, and ``report`` writes the figures and
``report.md`` / ``report.html``.
"""
