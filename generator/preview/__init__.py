"""`digest serve` and `digest watch`: watch the inputs, rebuild, serve the output and reload the browser."""
