"""RQ worker that runs the LangGraph memory agent and streams its replies."""
