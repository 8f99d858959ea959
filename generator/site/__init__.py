"""From the site model to files: plan the pages, render them, the feeds and exports, and write the output folder."""
