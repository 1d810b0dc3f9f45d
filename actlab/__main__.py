"""`python -m actlab` runs the CLI."""
from actlab.cli.main import main

main()
