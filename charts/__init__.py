"""Turn chart requests into PNG bytes.

`charts.specs` holds the plain data a command hands over and `charts.labels` the words
that name dates on a chart (both free of matplotlib, for commands); `charts.render` draws
with matplotlib, every time-series chart on the one date axis of `charts.dates`, in the
house style of `charts.style`.
"""
