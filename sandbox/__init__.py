"""A local fake of the marketplace APIs the loaders read; see README.md in this folder."""

from sandbox.config import SandboxConfig
from sandbox.sandbox import Sandbox

__all__ = ["Sandbox", "SandboxConfig"]
