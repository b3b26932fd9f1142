"""The reference integrations: the systems behind the four shipped flows, for real.

A payment gateway with its ledger and an inventory (:mod:`.payments`, :mod:`.inventory`),
order exporters (:mod:`.exports`), uStore's uProduce and USAData (:mod:`.ustore`), the click
and collect stores (:mod:`.collect`) and a CRM (:mod:`.crm`), with a mail catcher
(:mod:`.mailbox`). Each is a set of task handlers keeping its state in ``ref_*`` tables of
the statewise database, exactly once per call (:mod:`.db`). :mod:`.app` puts them together
for a worker (``--app engine.reference.app:make``) or a program (``open_systems``). They
are written to be read and copied: see docs/integrations.md.
"""
