"""Claim checkers, one module per kind of fact (prices, stakes and targets, events,
plants). Each checker matches a claim with the rows that answer it before comparing a
value (see derisk.review.match); derisk.review.verify maps claim metrics to them."""
