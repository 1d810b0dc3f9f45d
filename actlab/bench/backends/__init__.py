"""actlab.bench.backends"""
