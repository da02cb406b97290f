"""Training the LoRA adapter: `whythis finetune`.

Entry points: `train.train` (LoRA with peft over transformers), `config.TrainingConfig` (the validated
stage config), `data.load_splits` (XRec and shop rows rendered with the shared prompt renderer) and
`sources` (the registered training sources: XRec, prompt rows, and `whythis.training_sources` plugins).
"""
