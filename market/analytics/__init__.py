"""Pure analytics over market records: plain values in, plain values out."""
