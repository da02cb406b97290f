"""The XRec benchmark study: explaining XRec rows and scoring them against the references.

Entry points: `explain_batch.explain_batch` (the `whythis explain-batch` command), `compare.compare`
(`whythis eval xrec`: base model vs adapters on held-out rows), `bench_explain` (`whythis bench explain`).
`batch` runs rows in resumable batches, `domains`/`domain_guess` tag rows with their source,
`consensus` picks among candidates, `facts` is the fact check and repair of an XRec answer.
"""
