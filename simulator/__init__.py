"""The interactive point-of-sale simulator and virtual boards on real PTYs."""
