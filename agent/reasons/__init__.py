"""Writing one true reason per candidate.

Entry point: `writer.ReasonWriter` (render the prompt, generate in a batch, check grounding, retry, else
fall back). `fallback` writes the grounded template reasons, `evidence` states retrieval evidence for the
prompt, `batching.BatchingGenerator` merges concurrent LM calls, `training_rows` renders shop rows for
finetuning with the same prompt.
"""
