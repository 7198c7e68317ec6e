"""Developer tools: the demo, the benchmark and the soak (not needed to run the pipeline)."""
