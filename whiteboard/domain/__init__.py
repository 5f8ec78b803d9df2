"""Pure domain logic: no Django imports here, so the CLI, benchmarks and tests can use it alone."""
