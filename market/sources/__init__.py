"""One module per public data source: a class that fetches, a pure function that parses."""
