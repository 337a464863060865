"""Primary dealers' Treasury positions and repo financing (NY Fed FR 2004), week by week."""
