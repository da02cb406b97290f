"""The LM at run time: loading a base model and its adapter, and generating with it.

Entry points: `backends.load_generator` (one factory over every backend: a new backend is a module here
plus one line in its registry), `generator.Generator` (the interface) and `generator.GeneratorConfig`.
Backends: `transformers_backend` (in process, the quality reference) and `remote` (an OpenAI-compatible
server such as vLLM). `decoding` holds the logits processors, `base` the base model, `adapters` finds and
resolves LoRA adapters (the shipped ones live in `finetune/adapters/`).
"""
