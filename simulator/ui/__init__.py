"""The simulator's widgets and screens: they render firmware state and forward input."""
