"""The Treasury par yield curve: tenors, history from 1962 and its refresh."""
