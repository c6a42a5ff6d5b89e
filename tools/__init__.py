"""The only way the model touches data: typed, deterministic tools over brain/.

Every tool runs for a `Subject` that the server injects (whose data, who asks, what the
asker may see); no tool argument can name a person. `call_tool` validates the model's
arguments and returns either a `ToolResult` (numbers, summary, provenance) or a
`ToolErrorResult` that says what was wrong and what is valid, never an exception; a `ToolCall`
keeps the call with its outcome.
"""

from tools.calls import ToolCall
from tools.errors import ToolErrorResult
from tools.registry import TOOLS, ToolContext, ToolResult, call_tool, openai_tools
from tools.subject import Subject

__all__ = [
    "TOOLS",
    "Subject",
    "ToolCall",
    "ToolContext",
    "ToolErrorResult",
    "ToolResult",
    "call_tool",
    "openai_tools",
]
