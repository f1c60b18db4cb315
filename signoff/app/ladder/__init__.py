"""The autonomy ladder as operators drive it: advice with its gates, and the drift gate's
reader of open alarms."""

from signoff.app.ladder.advice import PolicyAdvice, advise, in_force
from signoff.app.ladder.drift_gate import AlarmReader, open_drift_alarms

__all__ = ["AlarmReader", "PolicyAdvice", "advise", "in_force", "open_drift_alarms"]
