"""The memory agent as a LangGraph graph: decide what to remember, then reply.

`remember` asks the model for a `MemoryDecision` (structured output, retried a
bounded number of times), writes it to the store and emits one custom stream
event per change. `respond` streams the reply; the job reads its tokens from
the graph's "messages" stream.
"""

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import openai
import structlog
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessageChunk,
    AnyMessage,
    HumanMessage,
    SystemMessage,
)
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.constants import TAG_NOSTREAM
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore
from typing_extensions import TypedDict

from agent_worker import prompts
from agent_worker.decision import MemoryDecision
from agent_worker.errors import (
    InvalidModelOutputError,
    ModelUnavailableError,
    ReplyTimeoutError,
)
from agent_worker.memory import MemoryWriter, describe, load_memory, todo_line
from agent_worker.telemetry import tracer

log = structlog.get_logger(__name__)

REMEMBER = "remember"
RESPOND = "respond"
MODEL_ERRORS = (
    openai.APIConnectionError,
    openai.APITimeoutError,
    openai.APIStatusError,
)


class AgentState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    changes: list[str]


@dataclass(frozen=True)
class AgentContext:
    """Per-job values the nodes read: whose memory, and what 'now' is for them."""

    user_id: str
    now: datetime
    # time.monotonic() value after which the nodes stop and the job fails.
    # LangGraph runs a streaming node in a pool thread that RQ's SIGALRM
    # cannot interrupt, so the nodes check this deadline themselves.
    deadline: float


@dataclass(frozen=True)
class AgentOptions:
    decision_attempts: int
    history_messages: int
    prompt_todo_limit: int


def build_graph(
    llm: BaseChatModel,
    writer_factory: Any,
    options: AgentOptions,
    checkpointer: BaseCheckpointSaver,
    store: BaseStore,
) -> Any:
    """Compile the agent with its checkpointer (thread state) and store (memory)."""
    # The decision is read whole, so it is requested unstreamed; otherwise the
    # messages stream's callback would make LangChain stream it.
    decider = (
        llm.model_copy(update={"disable_streaming": True})
        .with_structured_output(MemoryDecision, method="json_schema", include_raw=True)
        .with_config(tags=[TAG_NOSTREAM])
    )

    def decide_and_write(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
        context = runtime.context
        snapshot = load_memory(store, context.user_id)
        shown = snapshot.prompt_todos(options.prompt_todo_limit)
        system = prompts.DECIDE_SYSTEM.format(
            todos=prompts.format_todo_lines(
                [todo_line(i, t) for i, t in enumerate(shown, 1)]
            ),
            profile=prompts.format_profile(snapshot.profile),
            instructions=snapshot.instructions.text
            if snapshot.instructions
            else "no preference",
            today=prompts.format_today(context.now),
        )
        message = str(state["messages"][-1].content)
        decision = decide(
            decider, [SystemMessage(system), HumanMessage(message)], options
        )
        writer: MemoryWriter = writer_factory(store)
        events = writer.apply(
            context.user_id, decision, snapshot, shown, message, context.now
        )
        for event in events:
            runtime.stream_writer(event)
        return {"changes": [event.summary for event in events]}

    def stream_reply(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
        context = runtime.context
        snapshot = load_memory(store, context.user_id)
        shown = snapshot.prompt_todos(options.prompt_todo_limit)
        system = prompts.RESPOND_SYSTEM.format(
            changes="\n".join(f"- {c}" for c in state.get("changes", [])) or "nothing",
            todos=prompts.format_todo_lines([f"- {describe(t.todo)}" for t in shown]),
            profile=prompts.format_profile(snapshot.profile),
            today=prompts.format_today(context.now),
        )
        history = state["messages"][-(options.history_messages + 1) :]
        check_deadline(context)
        reply: AIMessageChunk | None = None
        try:
            for chunk in llm.stream([SystemMessage(system), *history]):
                reply = chunk if reply is None else reply + chunk
                check_deadline(context)
        except MODEL_ERRORS as exc:
            raise ModelUnavailableError(str(exc)) from exc
        return {"messages": [reply or AIMessageChunk(content="")]}

    def remember(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
        with tracer.start_as_current_span(f"graph.node {REMEMBER}"):
            return decide_and_write(state, runtime)

    def respond(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
        with tracer.start_as_current_span(f"graph.node {RESPOND}"):
            return stream_reply(state, runtime)

    graph = StateGraph(AgentState, context_schema=AgentContext)
    graph.add_node(REMEMBER, remember)
    graph.add_node(RESPOND, respond)
    graph.add_edge(START, REMEMBER)
    graph.add_edge(REMEMBER, RESPOND)
    graph.add_edge(RESPOND, END)
    return graph.compile(checkpointer=checkpointer, store=store)


def check_deadline(context: AgentContext) -> None:
    if time.monotonic() > context.deadline:
        raise ReplyTimeoutError("job deadline passed")


def decide(
    decider: Any, messages: list[AnyMessage], options: AgentOptions
) -> MemoryDecision:
    """Ask for a MemoryDecision, retrying invalid output up to the configured attempts."""
    for attempt in range(1, options.decision_attempts + 1):
        try:
            result = decider.invoke(messages)
        except MODEL_ERRORS as exc:
            raise ModelUnavailableError(str(exc)) from exc
        except ValueError as exc:
            # langchain-openai raises ValueError (or a subclass, such as
            # pydantic's ValidationError) when the content is not valid JSON.
            result = {"parsed": None, "parsing_error": exc}
        parsed = result.get("parsed")
        if isinstance(parsed, MemoryDecision):
            return parsed
        log.warning(
            "decision.invalid_output",
            attempt=attempt,
            error=type(result.get("parsing_error")).__name__,
        )
        messages = [
            *messages,
            HumanMessage(
                "Your last answer was not valid JSON for the schema. "
                "Answer again with only the JSON object."
            ),
        ]
    raise InvalidModelOutputError(
        f"no valid decision after {options.decision_attempts} attempts"
    )
