"""AML alerts and cases over HTTP for the compliance officer (the dashboard's Compliance pages).

Thin routes over ``risk.aml.cases`` (the case workflow, every action audited there),
``risk.aml.filing`` (STR XML validated against the XSD, due dates) and
``risk.aml.case_summary``; the compliance role is required.
"""
