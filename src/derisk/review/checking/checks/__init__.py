"""Claim checkers, one module per kind of fact (prices, stakes and targets, events,
plants, production). Each checker matches a claim with the rows that answer it before
comparing a value (see derisk.review.checking.match); derisk.review.checking.verify maps
claim metrics to them."""
