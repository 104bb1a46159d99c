"""Mesa agents of the escalation model: states, alliances, actions, the choice rule."""
