"""Code that pushd and the dashboard both use: settings, models, the REST client."""
