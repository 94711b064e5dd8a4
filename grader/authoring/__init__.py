"""Authors' tools: the soundness check and manifests (``dev``), mutation testing, variants."""
