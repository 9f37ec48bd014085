# The two commands of the quick start, and a few conveniences.
.PHONY: run test bench bench-mix

## Build tandem, load the demo and serve it on http://127.0.0.1:3000
run:
	scripts/run.sh

## The whole test suite (what CI runs)
test:
	scripts/test.sh

## Speed: every main page against the Fortunes anchor at 1 and 10 years of history
bench:
	scripts/bench.sh

## What the page cache buys on a mix of people, pages and writes (after `make bench`)
bench-mix:
	scripts/bench-mix.sh
