"""Pure analytics: pandas in, plain values out, the as-of date always passed in."""
