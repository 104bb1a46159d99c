"""The analysis functions of the workbench: pure functions of DataFrames, and figures."""
