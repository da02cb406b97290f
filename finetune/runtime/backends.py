"""The one place a generator is built: each backend is a module and a line here. A new engine is a
new file implementing `finetune.runtime.generator.Generator` plus one entry in `_BACKENDS`."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from finetune.runtime.generator import Generator, GeneratorConfig
from whythis.errors import ConfigError

# backend name -> (module, loader function); imported only when chosen, so a server client never
# imports torch.
_BACKENDS: dict[str, tuple[str, str]] = {
    "transformers": ("finetune.runtime.transformers_backend", "load_transformers"),
    "ctranslate2": ("finetune.runtime.ct2_backend", "load_ctranslate2"),
    "openai": ("finetune.runtime.remote", "OpenAIGenerator"),
}


def load_generator(config: GeneratorConfig) -> Generator:
    """The generator of the configured backend."""
    if config.backend not in _BACKENDS:
        raise ConfigError(f"generator.backend {config.backend!r} is not one of {sorted(_BACKENDS)}")
    module, name = _BACKENDS[config.backend]
    loader: Callable[[GeneratorConfig], Generator] = getattr(import_module(module), name)
    return loader(config)
