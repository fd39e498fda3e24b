"""The hardware-in-the-loop pytest suite, sweeps and release qualification."""
