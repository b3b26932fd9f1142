"""``statewise demo``: a simulated business day across the four shipped systems.

:func:`~engine.demo.run.run_demo` runs it (see :mod:`engine.demo.run`); the day's world is
in :mod:`.catalog`, its script in :mod:`.mix_yescart` and :mod:`.mix_others`, who acts in
:mod:`.actors` and :mod:`.operators`, the clock in :mod:`.day`, and the end of the day in
:mod:`.report`, :mod:`.story`, :mod:`.heatmap` and :mod:`.invariants`.
"""
