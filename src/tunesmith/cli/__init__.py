"""Command-line interface: thin layers that parse input, call the API and print results."""
