"""Synthetic demo data: the Yunqi hotel group's messy source exports plus their ground truth."""

from guestgraph.demo._generate import DemoSummary, generate_demo

__all__ = ["DemoSummary", "generate_demo"]
