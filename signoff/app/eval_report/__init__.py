"""``signoff eval report``'s outputs: a terminal summary and a self-contained HTML file."""

from signoff.app.eval_report.html import render_html
from signoff.app.eval_report.summary import print_summary

__all__ = ["print_summary", "render_html"]
