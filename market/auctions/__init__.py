"""Treasury auctions: records, the history book, when-issued quotes and the result flash."""
