"""Everything about the LM's weights: `runtime` (backends, decoding, base model, adapters) and `training`
(LoRA finetuning). `cli` registers `whythis finetune` and `whythis adapter`."""
