"""All tables; importing this package registers every model on ``Base.metadata``."""

from kefu.store.models import care, commerce, duty, live, org, plan, team

__all__ = ["care", "commerce", "duty", "live", "org", "plan", "team"]
