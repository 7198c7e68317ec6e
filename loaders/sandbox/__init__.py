"""A local fake of the marketplace APIs the loaders read; see README.md in this folder."""

from loaders.sandbox.config import SandboxConfig
from loaders.sandbox.sandbox import Sandbox

__all__ = ["Sandbox", "SandboxConfig"]
