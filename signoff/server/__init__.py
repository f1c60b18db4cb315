"""``signoff serve``: Signoff over HTTP, for applications that are not Python or not on
Temporal, beside the chat bots. It is a surface like the bots: it authenticates its
callers itself and acts through :class:`signoff.client.SignoffClient`."""
