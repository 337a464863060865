"""Turn chart requests into PNG bytes.

`charts.specs` holds the plain data a command hands over; `charts.render`
is the only module that touches matplotlib.
"""
