"""A deterministic OpenAI-compatible model server for tests.

It serves `POST /v1/chat/completions`, streamed or not. A request with
`response_format` of type `json_schema` gets a memory decision; any other
request gets a reply. Both come from a queue that tests fill through
`POST /_script`, or, when the queue is empty, from simple rules on the last
user message ("remind me to X by Y" adds a to-do; "I finished X" marks the
to-do listed in the system prompt done), so the browser and the end-to-end
tests need no set-up. `POST /_mode` makes it fail on purpose, and
`GET /_requests` shows what the worker sent.

Run: python tests/support/scripted_llm.py --port 8091
"""

import argparse
import asyncio
import json
import re
import time
import uuid
from collections import deque
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

REMIND = re.compile(
    r"(?:remind me to|i need to|add a to-?do to|add)\s+(?P<task>.+?)"
    r"(?:\s+(?P<deadline>(?:by|before|on|until)\s+.+|tomorrow.*|next\s+.+|tonight|today"
    r"|in\s+\d+\s+(?:days?|weeks?)))?[.!]?$",
    re.IGNORECASE,
)
FINISHED = re.compile(
    r"(?:i\s+)?(?:have\s+)?(?:finished|completed|done with|did)\s+(?P<task>.+?)[.!]?$"
    r"|mark\s+(?P<task2>.+?)\s+(?:as\s+)?done[.!]?$",
    re.IGNORECASE,
)
TODO_LINE = re.compile(r"^(?P<ref>\d+)\.\s+(?P<task>.+?)\s+\[", re.MULTILINE)
WORD = re.compile(r"[a-z0-9]+")


class Script:
    """Queued responses and failure modes, shared by every request."""

    def __init__(self) -> None:
        self.decisions: deque[Any] = deque()
        self.replies: deque[str] = deque()
        self.mode = "ok"  # ok | error | invalid
        self.token_delay = 0.02
        self.requests: list[dict] = []


script = Script()
app = FastAPI(title="Scripted OpenAI-compatible model")


@app.post("/_script")
async def push_script(request: Request) -> dict:
    body = await request.json()
    script.decisions.extend(body.get("decisions", []))
    script.replies.extend(body.get("replies", []))
    return {"decisions": len(script.decisions), "replies": len(script.replies)}


@app.post("/_mode")
async def set_mode(request: Request) -> dict:
    body = await request.json()
    script.mode = body.get("mode", script.mode)
    script.token_delay = float(body.get("token_delay", script.token_delay))
    if body.get("reset"):
        script.decisions.clear()
        script.replies.clear()
        script.requests.clear()
    return {"mode": script.mode, "token_delay": script.token_delay}


@app.get("/_requests")
async def list_requests() -> list[dict]:
    return script.requests


@app.get("/v1/models")
async def models() -> dict:
    return {"object": "list", "data": [{"id": "scripted", "object": "model"}]}


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@app.post("/v1/chat/completions", response_model=None)
async def chat_completions(request: Request) -> JSONResponse | StreamingResponse:
    body = await request.json()
    script.requests.append(body)
    if script.mode == "error":
        return JSONResponse(
            status_code=503, content={"error": {"message": "scripted outage"}}
        )
    wants_json = (body.get("response_format") or {}).get("type") == "json_schema"
    if wants_json:
        content = decision_text(body["messages"])
    else:
        content = (
            script.replies.popleft() if script.replies else reply_text(body["messages"])
        )
    if body.get("stream"):
        return StreamingResponse(
            stream_chunks(body, content), media_type="text/event-stream"
        )
    return JSONResponse(completion(body, content))


def decision_text(messages: list[dict]) -> str:
    if script.mode == "invalid":
        return "this is not JSON"
    if script.decisions:
        decision = script.decisions.popleft()
        return decision if isinstance(decision, str) else json.dumps(decision)
    return json.dumps(rule_decision(messages))


def last_user_text(messages: list[dict]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def system_text(messages: list[dict]) -> str:
    return "\n".join(
        str(m.get("content")) for m in messages if m.get("role") == "system"
    )


def rule_decision(messages: list[dict]) -> dict:
    text = last_user_text(messages).strip()
    decision: dict[str, Any] = {"todos": [], "profile": None, "instructions": None}
    finished = FINISHED.search(text)
    if finished:
        wanted = set(WORD.findall((finished["task"] or finished["task2"]).lower()))
        for line in TODO_LINE.finditer(system_text(messages)):
            if wanted & set(WORD.findall(line["task"].lower())):
                decision["todos"].append(todo(line["ref"], line["task"], "done", None))
                break
        return decision
    remind = REMIND.search(text)
    if remind:
        task = remind["task"].strip()
        decision["todos"].append(
            todo(None, task[:1].upper() + task[1:], "not started", remind["deadline"])
        )
    return decision


def todo(ref: str | None, task: str, status: str, deadline: str | None) -> dict:
    return {
        "ref": ref,
        "task": task,
        "status": status,
        "deadline": deadline,
        "time_to_complete": None,
        "solutions": [],
    }


def reply_text(messages: list[dict]) -> str:
    saved = re.search(
        r"What you saved just now:\n(?P<changes>(?:- .*\n?)+)", system_text(messages)
    )
    if saved:
        first = saved["changes"].splitlines()[0][2:].split(";")[0]
        return f"Done! I saved this to your list: {first}. Anything else?"
    return "Sure, I am here to help with your to-dos. What would you like to do?"


def completion(body: dict, content: str) -> dict:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "scripted"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": usage(body, content),
    }


def usage(body: dict, content: str) -> dict:
    prompt = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
    output = len(content.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": output,
        "total_tokens": prompt + output,
    }


async def stream_chunks(body: dict, content: str):
    chunk_id = f"chatcmpl-{uuid.uuid4().hex}"
    base = {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "scripted"),
    }
    pieces = re.findall(r"\S+\s*", content) or [content]
    first = {
        "index": 0,
        "delta": {"role": "assistant", "content": ""},
        "finish_reason": None,
    }
    yield sse({**base, "choices": [first]})
    for piece in pieces:
        await asyncio.sleep(script.token_delay)
        choice = {"index": 0, "delta": {"content": piece}, "finish_reason": None}
        yield sse({**base, "choices": [choice]})
    yield sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if (body.get("stream_options") or {}).get("include_usage"):
        yield sse({**base, "choices": [], "usage": usage(body, content)})
    yield "data: [DONE]\n\n"


def sse(payload: dict) -> str:
    return f"data: {json.dumps(payload)}\n\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Scripted OpenAI-compatible model server."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
