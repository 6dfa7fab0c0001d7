"""ducha (督查): supervision of maternal & child health work in a county."""

__version__ = "0.1.0"
