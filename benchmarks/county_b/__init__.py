"""County B: a synthetic county built independently of ducha's demo and checks (see benchmarks/README.md)."""
