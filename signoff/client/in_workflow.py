"""request_signoff: ask for a human sign-off from inside your own workflow.

It lives beside Signoff's workflows, which use it too (a policy change is itself a
decision); this is where applications import it from.
"""

from signoff.workflows.child_decision import request_signoff

__all__ = ["request_signoff"]
