"""Analysis over the rules: scenarios, check, diff, diagrams and Monte Carlo."""
