"""Contracts and plumbing that the to-do assistant's services share.

Nothing here is specific to one service: the job payload, the stream events,
Redis key names, the memory layout, the application schema, settings, logging
and token verification.
"""
