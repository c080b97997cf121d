"""Evaluation: golden questions, a runner for any question file, metrics, reports and a regression gate."""
