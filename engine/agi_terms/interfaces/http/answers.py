"""The shape of every refusal the service gives: ``{"error": {"place", "message"}}``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    """Where in the input (``events[3].cloud``; empty for the request as a whole), and why."""

    place: str
    message: str


class ErrorBody(BaseModel):
    """Every refusal: where in the input, and why."""

    error: ErrorDetail


def error_json(place: str, message: str) -> dict[str, Any]:
    """A refusal's body, its message on one line."""
    return {"error": {"place": place, "message": " ".join(message.split())}}
