"""Values in, values out: read the dumps, dedupe them into papers, classify and assemble the site model."""
