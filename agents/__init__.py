"""Mesa agents of the escalation model: states, alliances, their actions and choice rule.

Imports only mesa, numpy and the standard library; the agents see the model
through the Protocols of agents/protocols.py. Only state.py and alliance.py
need mesa, so the action vocabulary and the choice rule load without it.
"""
