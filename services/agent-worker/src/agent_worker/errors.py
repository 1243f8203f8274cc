"""Ways a job can fail, each with the sentence shown in the stream's error event."""


class AgentError(Exception):
    """A failure reported to the person in the stream's error event."""

    user_message = "Something went wrong while answering. Please try again."


class ModelUnavailableError(AgentError):
    user_message = (
        "The language model could not be reached. Please try again in a moment."
    )


class InvalidModelOutputError(AgentError):
    user_message = (
        "The language model returned output that could not be read. "
        "Please rephrase your message and try again."
    )


TIMEOUT_MESSAGE = (
    "The reply took longer than the time limit and was stopped. Please try again."
)
ABANDONED_MESSAGE = (
    "The assistant stopped before finishing this reply. Please send your message again."
)


class ReplyTimeoutError(AgentError):
    """The job passed its own deadline, set a little before RQ's hard time-out."""

    user_message = TIMEOUT_MESSAGE
