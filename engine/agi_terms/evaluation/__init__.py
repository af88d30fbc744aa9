"""Evaluation: one evaluator of terms and decisions, agreements, contracts and their explanations."""
